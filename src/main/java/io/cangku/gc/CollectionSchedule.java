package io.cangku.gc;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.stereotype.Component;

/**
 * {@code registry.gc.schedule}: collections inside the server. Every replica has the schedule; the lease lets
 * one of them run and the others skip that round.
 */
// Only in the server: the gc command runs one collection and exits.
@Component
@ConditionalOnWebApplication
class CollectionSchedule {

    private static final Logger log = LoggerFactory.getLogger(CollectionSchedule.class);

    private final CollectionRuns runs;

    CollectionSchedule(CollectionRuns runs) {
        this.runs = runs;
    }

    @Scheduled(cron = "${registry.gc.schedule:-}")
    void collect() {
        try {
            runs.runToEnd(false, runs.properties().deleteUntagged(), "schedule");
        } catch (CollectionRuns.AlreadyRunningException e) {
            log.info("scheduled garbage collection skipped: {}", e.getMessage());
        } catch (Exception e) {
            log.warn("scheduled garbage collection could not start: {}", e.toString());
        }
    }
}
