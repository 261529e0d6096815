package io.cangku.console.web;

import io.cangku.oci.RepositoryName;
import org.springframework.stereotype.Service;

import java.util.List;
import java.util.Map;

/**
 * Storage usage per repository and repository deletion, which the garbage collector's usage figures provide.
 * Until the collector is part of the build, sizes are unknown (shown as a dash) and repositories cannot be
 * deleted whole.
 */
@Service
class UsageFigures {

    /** Bytes each named repository references, for the names with known figures. */
    Map<String, Long> sizesOf(List<String> repositories) {
        return Map.of();
    }

    boolean canDeleteRepositories() {
        return false;
    }

    void deleteRepository(RepositoryName repository, String actor, String clientAddress) {
        throw new ConsoleException(405, "deleting whole repositories needs the garbage collector, which this build lacks");
    }
}
