package io.cangku.gc;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;

/**
 * {@code registry.gc.*}: garbage collection.
 *
 * @param gracePeriod    nothing linked, uploaded, mounted, HEAD-checked or referenced by a manifest PUT within
 *                       this long is deleted; must exceed the longest push a client makes between uploading a
 *                       layer and putting the manifest that names it
 * @param schedule       a cron expression (Spring's six fields) for collections inside the server; {@code -}: none
 * @param deleteUntagged scheduled runs also delete manifests no tag reaches (and what only they use)
 * @param leaseTtl       a collector that stops renewing its lease (it crashed) loses it after this long, and
 *                       another may run; deletion intents expire after the same time
 * @param keepRuns       how many finished runs (with their reports) are kept for {@code GET /api/gc}
 */
@Validated
@ConfigurationProperties("registry.gc")
public record GcProperties(@DefaultValue("1h") Duration gracePeriod,
                           @DefaultValue("-") String schedule,
                           @DefaultValue("false") boolean deleteUntagged,
                           @DefaultValue("1m") Duration leaseTtl,
                           @DefaultValue("50") @Min(1) @Max(10000) int keepRuns) {

    public GcProperties {
        if (gracePeriod.isNegative() || gracePeriod.isZero()) {
            throw new IllegalArgumentException("registry.gc.grace-period must be positive, got " + gracePeriod);
        }
        if (leaseTtl.compareTo(Duration.ofSeconds(2)) < 0) {
            throw new IllegalArgumentException("registry.gc.lease-ttl must be at least 2s, got " + leaseTtl);
        }
    }
}
