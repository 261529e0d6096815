package io.cangku.policy;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * {@code registry.retention.schedule}: retention runs inside the server. Every replica has the schedule; runs
 * are idempotent (what one replica deleted, another finds gone), and only the replica that deleted something
 * starts the collection after it, which the collector's lease keeps to one at a time.
 */
@Component
@ConditionalOnWebApplication
class RetentionSchedule {

    private static final Logger log = LoggerFactory.getLogger(RetentionSchedule.class);

    private final RetentionRuns runs;

    RetentionSchedule(RetentionRuns runs) {
        this.runs = runs;
    }

    @Scheduled(cron = "${registry.retention.schedule:-}")
    void run() {
        try {
            runs.run(false, "schedule");
        } catch (RetentionRuns.AlreadyRunningException e) {
            log.info("scheduled retention run skipped: {}", e.getMessage());
        } catch (Exception e) {
            log.warn("scheduled retention run failed: {}", e.toString());
        }
    }
}
