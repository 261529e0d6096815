/** End-to-end tests with real registry clients: skopeo, podman, buildah, the Docker engine and Helm. */
package io.cangku.clients;
