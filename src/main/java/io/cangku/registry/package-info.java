/**
 * OCI meaning on top of the storage SPI: content-addressed blobs linked into repositories, upload
 * sessions kept in storage (so any replica can continue one), manifests, tags, referrers and the catalog.
 * Knows the spec, not HTTP.
 */
package io.cangku.registry;
