package io.cangku.registry;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import java.time.Duration;

/**
 * {@code registry.*} settings of the registry's behaviour.
 *
 * @param delete    whether clients may delete manifests, tags and blobs
 * @param uploads   upload sessions
 * @param manifests manifest limits
 * @param listing   pagination of tags, catalog and referrers
 */
@Validated
@ConfigurationProperties("registry")
public record RegistryProperties(@DefaultValue Delete delete, @DefaultValue Uploads uploads,
                                 @DefaultValue Manifests manifests, @DefaultValue Listing listing) {

    /** @param enabled when false, every DELETE of content is answered 405 UNSUPPORTED */
    public record Delete(@DefaultValue("true") boolean enabled) {
    }

    /**
     * @param maxAge          an upload session untouched for longer than this is abandoned and purged
     * @param purgeInterval   how often abandoned sessions are looked for
     * @param maxOpenPerUser  open sessions one account (or, anonymous, one client address) may hold at once;
     *                        one more is refused with 429 TOOMANYREQUESTS
     * @param minBodyRate     bytes per second an upload body must keep up, measured over each {@code bodyRateWindow}
     * @param bodyRateWindow  the span over which {@code minBodyRate} is measured (the first one starts with the body)
     * @param bodyTimeout     the longest one request's upload body may take, however fast it flows; docker sends a
     *                        whole layer in one request, so this must fit the largest layer at the slowest link
     *                        (6 h: a 9 GB layer at 420 KB/s)
     */
    public record Uploads(@DefaultValue("24h") Duration maxAge, @DefaultValue("1h") Duration purgeInterval,
                          @DefaultValue("100") @Min(1) int maxOpenPerUser,
                          @DefaultValue("8KB") DataSize minBodyRate,
                          @DefaultValue("30s") Duration bodyRateWindow,
                          @DefaultValue("6h") Duration bodyTimeout) {

        public Uploads {
            positive("max-age", maxAge);
            positive("purge-interval", purgeInterval);
            positive("body-rate-window", bodyRateWindow);
            positive("body-timeout", bodyTimeout);
            if (minBodyRate != null && minBodyRate.toBytes() <= 0) {
                throw new IllegalArgumentException("registry.uploads.min-body-rate must be positive, not " + minBodyRate);
            }
        }

        private static void positive(String key, Duration value) {
            if (value != null && (value.isNegative() || value.isZero())) {
                throw new IllegalArgumentException("registry.uploads." + key + " must be positive, not " + value);
            }
        }
    }

    /** @param maxSize a larger manifest is refused with 413 MANIFEST_INVALID */
    public record Manifests(@DefaultValue("4MB") DataSize maxSize) {
    }

    /**
     * @param maxPageSize        the largest {@code n} honoured by tag, catalog and referrers listings; larger asks
     *                           get this many
     * @param catalogScanLimit   the most repository names one catalog request examines on behalf of a caller who
     *                           may see only some of them; past it, the request answers the names found so far
     *                           (possibly none) with a {@code Link} to continue, so no request costs more than this
     */
    public record Listing(@DefaultValue("1000") @Min(1) @Max(100000) int maxPageSize,
                          @DefaultValue("10000") @Min(1) @Max(1000000) int catalogScanLimit) {
    }
}
