package io.cangku.registry;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Removes abandoned upload sessions. Every replica runs it; deletes are idempotent, so replicas racing
 * over the same session do no harm.
 */
@Component
class UploadPurgeJob {

    private static final Logger log = LoggerFactory.getLogger(UploadPurgeJob.class);

    private final UploadService uploads;

    UploadPurgeJob(UploadService uploads) {
        this.uploads = uploads;
    }

    @Scheduled(initialDelayString = "${registry.uploads.purge-interval:1h}", fixedDelayString = "${registry.uploads.purge-interval:1h}")
    void purge() {
        try {
            int purged = uploads.purgeAbandoned();
            if (purged > 0) {
                log.info("purged {} abandoned upload session(s)", purged);
            }
        } catch (Exception e) {
            log.warn("purging abandoned uploads failed, will retry: {}", e.toString());
        }
    }
}
