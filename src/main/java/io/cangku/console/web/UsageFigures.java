package io.cangku.console.web;

import io.cangku.gc.CollectionRuns;
import io.cangku.gc.StorageUsage;
import org.springframework.stereotype.Service;

import java.io.IOException;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Repository sizes as the last collection measured them (dedup-aware: see {@link StorageUsage}). The figures
 * are never computed here: only the collector's mark phase reads every manifest, so a repository pushed
 * after the last run has no figure yet, and the pages say so.
 */
@Service
class UsageFigures {

    private final CollectionRuns runs;

    UsageFigures(CollectionRuns runs) {
        this.runs = runs;
    }

    /** The figures of the last run, and the rows of the named repositories that have one. */
    record Sizes(StorageUsage usage, Map<String, StorageUsage.RepositoryUsage> byName) {

        static final Sizes NONE = new Sizes(null, Map.of());

        public boolean measured() {
            return usage != null;
        }
    }

    Sizes sizesOf(Collection<String> repositories) throws IOException {
        Optional<StorageUsage> usage = runs.usage();
        if (usage.isEmpty()) {
            return Sizes.NONE;
        }
        java.util.Set<String> wanted = new java.util.HashSet<>(repositories);
        Map<String, StorageUsage.RepositoryUsage> byName = new HashMap<>();
        for (StorageUsage.RepositoryUsage row : usage.get().repositories()) {
            if (wanted.contains(row.name())) {
                byName.put(row.name(), row);
            }
        }
        return new Sizes(usage.get(), byName);
    }

    Optional<StorageUsage> usage() throws IOException {
        return runs.usage();
    }
}
