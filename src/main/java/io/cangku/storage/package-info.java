/**
 * The storage SPI: {@link io.cangku.storage.ObjectStore} keeps keyed, streamed objects; {@link
 * io.cangku.storage.StorageLayout} is the one map of every key the registry writes. Nothing here knows what a
 * repository or tag means, and nothing here knows HTTP. Backends live in subpackages.
 */
package io.cangku.storage;
