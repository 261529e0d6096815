package io.cangku.storage;

import java.io.IOException;

/**
 * One kind of storage, named by the value of {@code registry.storage.type} that chooses it. Each backend's
 * configuration declares one; {@link StorageConfiguration} opens the one the settings name, and only that one.
 *
 * <p>Why not one {@code @ConditionalOnProperty} configuration per backend: Spring AOT evaluates conditions when
 * the jar is built, which would fix the backend the build ran with. A backend bean that costs nothing until
 * opened keeps the choice a run-time setting.
 *
 * @param type the value of {@code registry.storage.type} that chooses this backend
 * @param opener opens the store (connects, checks the bucket or the root); called once, for the chosen backend
 */
public record StorageBackend(String type, Opener opener) {

    @FunctionalInterface
    public interface Opener {
        ObjectStore open() throws IOException;
    }

    ObjectStore open() throws IOException {
        return opener.open();
    }
}
