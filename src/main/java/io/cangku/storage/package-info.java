/**
 * The storage SPI: {@link io.cangku.storage.ObjectStore} keeps keyed, streamed objects; {@link
 * io.cangku.storage.StorageLayout} is the one map of every key the registry writes. Nothing here knows what a
 * repository or tag means, and nothing here knows HTTP. Backends live in subpackages; each declares a {@link
 * io.cangku.storage.StorageBackend}, and {@link io.cangku.storage.StorageConfiguration} opens the one
 * {@code registry.storage.type} names.
 */
package io.cangku.storage;
