package io.cangku.ops;

import io.cangku.storage.ObjectNotFoundException;
import io.cangku.storage.ObjectStore;
import io.cangku.storage.StorageKey;
import io.cangku.storage.filesystem.FilesystemObjectStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("The metered storage decorator")
class MeteredObjectStoreTest {

    /** Left to the interface's default on purpose: it pages through list(), and each page is timed there. */
    static final Set<String> NOT_DELEGATED = Set.of("forEach");

    @Test
    @DisplayName("overrides every SPI method, so a backend's own implementation is never bypassed")
    void delegatesEverySpiMethod() {
        // given every public method of the SPI, default ones included
        List<Method> spi = Arrays.stream(ObjectStore.class.getMethods())
                .filter(m -> !Modifier.isStatic(m.getModifiers()) && !NOT_DELEGATED.contains(m.getName())).toList();

        // then the decorator declares each itself (a method added to the SPI fails here until it is wrapped)
        for (Method method : spi) {
            assertThat(Arrays.stream(MeteredObjectStore.class.getDeclaredMethods())
                    .anyMatch(m -> m.getName().equals(method.getName()) && Arrays.equals(m.getParameterTypes(), method.getParameterTypes())))
                    .as("MeteredObjectStore overrides %s", method).isTrue();
        }
    }

    @Test
    @DisplayName("times each call by backend, operation and outcome: success, absent, error")
    void timesCallsByOutcome(@TempDir Path root) throws Exception {
        // given
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ObjectStore store = new MeteredObjectStore(new FilesystemObjectStore(root), "filesystem", () -> registry);
        StorageKey key = StorageKey.of("ops", "object");

        // when
        store.writeSmall(key, "hello".getBytes(StandardCharsets.UTF_8));
        store.stat(key);
        store.stat(StorageKey.of("ops", "missing"));
        assertThatThrownBy(() -> store.read(StorageKey.of("ops", "missing"), 0, -1)).isInstanceOf(ObjectNotFoundException.class);
        assertThatThrownBy(() -> store.append(StorageKey.of("ops", "no-upload"), 0, java.io.InputStream.nullInputStream()))
                .isInstanceOf(java.io.IOException.class);

        // then
        assertThat(count(registry, "writeSmall", "success")).isEqualTo(1);
        assertThat(count(registry, "stat", "success")).isEqualTo(1);
        assertThat(count(registry, "stat", "absent")).isEqualTo(1);
        assertThat(count(registry, "read", "absent")).isEqualTo(1);
        assertThat(count(registry, "append", "absent") + count(registry, "append", "error")).isEqualTo(1);
    }

    private static long count(SimpleMeterRegistry registry, String operation, String outcome) {
        var timer = registry.find(MeteredObjectStore.METRIC)
                .tags("backend", "filesystem", "operation", operation, "outcome", outcome).timer();
        return timer == null ? 0 : timer.count();
    }
}
