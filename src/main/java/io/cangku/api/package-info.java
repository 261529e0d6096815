/**
 * {@code /v2} over HTTP: {@link io.cangku.api.V2Route} parses every path in one place, one endpoint class
 * per resource (blobs, uploads, manifests, tags, referrers, catalog) speaks the wire protocol, and
 * {@link io.cangku.api.OciErrorWriter} writes every error body.
 */
package io.cangku.api;
