package io.cangku.api;

import io.cangku.oci.RepositoryName;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Decides whether the caller may mount a blob from another repository: a mount reads the source, so it
 * needs pull access there. Without authentication anyone may.
 */
public interface MountPolicy {

    /** Used when no access control is configured. */
    MountPolicy OPEN = (request, source) -> true;

    boolean mayMount(HttpServletRequest request, RepositoryName source);
}
