package io.cangku.gc;

import io.cangku.registry.UploadService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.stereotype.Component;

import java.time.Clock;

/**
 * Removes abandoned upload sessions between collections (each collection purges them too). Every replica
 * runs it; deletes are idempotent, so replicas racing over the same session do no harm.
 */
// Only in the server: the gc command runs one collection and exits.
@Component
@ConditionalOnWebApplication
class UploadPurgeJob {

    private static final Logger log = LoggerFactory.getLogger(UploadPurgeJob.class);

    private final UploadService uploads;
    private final Clock clock;

    UploadPurgeJob(UploadService uploads, Clock clock) {
        this.uploads = uploads;
        this.clock = clock;
    }

    @Scheduled(initialDelayString = "${registry.uploads.purge-interval:1h}", fixedDelayString = "${registry.uploads.purge-interval:1h}")
    void purge() {
        try {
            int purged = uploads.purgeUntouchedSince(clock.instant().minus(uploads.maxAge()), false);
            if (purged > 0) {
                log.info("purged {} abandoned upload session(s)", purged);
            }
        } catch (Exception e) {
            log.warn("purging abandoned uploads failed, will retry: {}", e.toString());
        }
    }
}
