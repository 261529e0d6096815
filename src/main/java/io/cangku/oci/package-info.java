/**
 * The OCI distribution spec's vocabulary as small immutable types that cannot hold invalid values
 * ({@link io.cangku.oci.Digest}, {@link io.cangku.oci.RepositoryName}, {@link io.cangku.oci.Tag}), and the
 * spec's error codes ({@link io.cangku.oci.OciError}) raised as {@link io.cangku.oci.RegistryException}.
 */
package io.cangku.oci;
