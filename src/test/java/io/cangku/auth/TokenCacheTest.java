package io.cangku.auth;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** How long a verified access token stays in {@link TokenService}'s cache: never past the token itself. */
class TokenCacheTest {

    private static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");

    @ParameterizedTest(name = "a token expiring in {0} s is cached for {1} s")
    @DisplayName("a verified token is cached for a minute at most, and never past its expiry and the clock skew")
    @CsvSource({
            "3600, 60",   // a long-lived token: the cache's own minute
            "10, 40",     // expires soon: until its expiry plus the 30 s skew verification allows
            "-20, 10",    // expired, still within the skew: as long as verification would still accept it
            "-30, 0",     // past the skew: not cached at all
            "-600, 0"})
    void cachedNoLongerThanTheTokenLives(long expiresInSeconds, long cachedSeconds) {
        // given a verified token expiring at NOW + expiresInSeconds
        TokenService.VerifiedToken token = new TokenService.VerifiedToken("alice", List.of(), NOW.plusSeconds(expiresInSeconds));

        // when
        Duration cached = TokenService.cachedFor(token, NOW);

        // then
        assertThat(cached).isEqualTo(Duration.ofSeconds(cachedSeconds));
    }
}
