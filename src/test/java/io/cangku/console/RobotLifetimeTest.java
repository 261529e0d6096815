package io.cangku.console;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.web.server.ResponseStatusException;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A robot's {@code expiresIn}: configuration's duration style or ISO-8601, between 1 second and 10 years. */
@DisplayName("Robot lifetime")
class RobotLifetimeTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "90d, P90D",
            "12h, PT12H",
            "30m, PT30M",
            "P90D, P90D",
            "PT12H, PT12H",
            "3650d, P3650D",
    })
    @DisplayName("accepts 90d as configuration does, and ISO-8601")
    void accepted(String text, String expected) {
        assertThat(AccountsApi.robotLifetime(text)).isEqualTo(Duration.parse(expected));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"soon", "90 days", "-1d", "0s", "3651d", "P-1D"})
    @DisplayName("refuses anything else with a reason that shows both forms")
    void refused(String text) {
        assertThatThrownBy(() -> AccountsApi.robotLifetime(text))
                .isInstanceOf(ResponseStatusException.class)
                .satisfies(e -> assertThat(((ResponseStatusException) e).getReason()).containsAnyOf("90d", "10 years"));
    }
}
