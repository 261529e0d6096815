package io.cangku.events;

import io.cangku.auth.AccessRule;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code registry.notifications.*}: the webhook endpoints events are sent to, and how the queue behind them is
 * bounded and retried. Anything invalid stops the registry at start with one line naming the key.
 *
 * @param endpoints       where events go (none: nothing is recorded at all)
 * @param pollInterval    how often the delivering replica looks for new events
 * @param retryInitial    the wait after a first failed delivery; each further failure doubles it
 * @param retryMax        the longest wait between two attempts
 * @param retryFor        an event still undelivered this long after it happened is dropped (counted and logged)
 * @param maxQueued       most events waiting per endpoint; further ones are dropped (counted and logged)
 * @param maxEventSize    an event whose payload would be larger is dropped (counted and logged)
 * @param pullFlush       how often each replica writes the pull events it collected in memory to the queue
 * @param maxPendingPulls most pull events one replica holds between two flushes; further ones are dropped
 * @param leaseTtl        how long the delivering replica's claim lasts without renewal (another takes over after)
 */
// no unknown keys: a misspelt "secret" would otherwise leave an endpoint unsigned without a word
@ConfigurationProperties(prefix = "registry.notifications", ignoreUnknownFields = false)
public record NotificationProperties(@DefaultValue List<Endpoint> endpoints,
                                     @DefaultValue("1s") Duration pollInterval,
                                     @DefaultValue("1s") Duration retryInitial,
                                     @DefaultValue("5m") Duration retryMax,
                                     @DefaultValue("24h") Duration retryFor,
                                     @DefaultValue("10000") int maxQueued,
                                     @DefaultValue("64KB") DataSize maxEventSize,
                                     @DefaultValue("5s") Duration pullFlush,
                                     @DefaultValue("10000") int maxPendingPulls,
                                     @DefaultValue("30s") Duration leaseTtl) {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");
    private static final Pattern REPOSITORY_GLOB = Pattern.compile("[a-z0-9._/*?-]{1,255}");
    private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}");
    /** Headers the client sets itself (the JDK refuses some), or that would contradict the payload or signature. */
    private static final Set<String> RESERVED_HEADERS = Set.of("host", "connection", "content-length", "content-type",
            "expect", "upgrade", "transfer-encoding", "te", "trailer", "keep-alive", "proxy-connection",
            EventPayloads.SIGNATURE_HEADER.toLowerCase(Locale.ROOT), EventPayloads.EVENT_ID_HEADER.toLowerCase(Locale.ROOT));

    /** The payload format of an endpoint. */
    public enum Format {
        /** Distribution's envelope, {@code application/vnd.docker.distribution.events.v2+json}. */
        distribution,
        /** A CloudEvents 1.0 event in structured JSON mode, {@code application/cloudevents+json}. */
        cloudevents
    }

    /**
     * One webhook endpoint as configuration writes it.
     *
     * @param name         names its queue in storage and its status (lowercase letters, digits and -)
     * @param url          where events are POSTed (http or https, no credentials in it: use {@code headers})
     * @param repositories glob of repository names, as access rules write them; collection events ignore it
     * @param actions      which events: push, pull, delete, tag, collection (default: all but pull)
     * @param format       distribution or cloudevents
     * @param secret       key of the HMAC-SHA256 signature of each body (header {@code Cangku-Signature-256}); never logged
     * @param timeout      the longest one delivery attempt may take
     * @param headers      extra request headers (for example an authorization header the receiver wants)
     */
    public record Endpoint(String name, URI url, @DefaultValue("**") String repositories, Set<EventAction> actions,
                           @DefaultValue("distribution") Format format, String secret,
                           @DefaultValue("5s") Duration timeout, @DefaultValue Map<String, String> headers) {

        public Endpoint {
            actions = actions == null || actions.isEmpty()
                    ? EnumSet.of(EventAction.push, EventAction.delete, EventAction.tag, EventAction.collection)
                    : EnumSet.copyOf(actions);
            headers = headers == null ? Map.of() : Map.copyOf(headers);
        }

        /**
         * The URL as logs, the admin API and the console show it: scheme, host and port only, the rest elided
         * ({@code https://hooks.example.com/…}). Receivers often take their token in the path or the query
         * (Slack, Discord, {@code ?token=}), and a log line or a screen is no place for it; the endpoint's name
         * tells endpoints apart.
         */
        public String shownUrl() {
            if (url == null) {
                return "none";
            }
            String origin = url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort());
            boolean more = (url.getRawPath() != null && !url.getRawPath().isEmpty() && !url.getRawPath().equals("/"))
                    || url.getRawQuery() != null || url.getRawFragment() != null;
            return origin + (more ? "/…" : "/");
        }

        /** Keeps the secret (and what {@link #shownUrl()} elides) out of every log line and error message. */
        @Override
        public String toString() {
            return "Endpoint[name=" + name + ", url=" + shownUrl() + ", repositories=" + repositories + ", actions=" + actions
                    + ", format=" + format + ", secret=" + (secret == null ? "none" : "***") + "]";
        }
    }

    public NotificationProperties {
        endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
        Set<String> names = new HashSet<>();
        for (int i = 0; i < endpoints.size(); i++) {
            String key = "registry.notifications.endpoints[" + i + "].";
            String problem = problem(key, endpoints.get(i));
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
            if (!names.add(endpoints.get(i).name())) {
                throw new IllegalArgumentException(key + "name " + endpoints.get(i).name() + " is used by another endpoint; names must be unique");
            }
        }
        requireBetween("poll-interval", pollInterval, Duration.ofMillis(10), Duration.ofMinutes(10));
        requireBetween("retry-initial", retryInitial, Duration.ofMillis(10), Duration.ofHours(1));
        requireBetween("retry-max", retryMax, retryInitial, Duration.ofDays(1));
        requireBetween("retry-for", retryFor, Duration.ofSeconds(1), Duration.ofDays(30));
        requireBetween("pull-flush", pullFlush, Duration.ofMillis(10), Duration.ofHours(1));
        requireBetween("lease-ttl", leaseTtl, Duration.ofSeconds(1), Duration.ofHours(1));
        if (maxQueued < 1 || maxQueued > 1_000_000) {
            throw new IllegalArgumentException("registry.notifications.max-queued must be between 1 and 1000000, got " + maxQueued);
        }
        if (maxPendingPulls < 1 || maxPendingPulls > 1_000_000) {
            throw new IllegalArgumentException("registry.notifications.max-pending-pulls must be between 1 and 1000000, got " + maxPendingPulls);
        }
        if (maxEventSize.toBytes() < 1024 || maxEventSize.toBytes() > 1024 * 1024) {
            throw new IllegalArgumentException("registry.notifications.max-event-size must be between 1KB and 1MB, got " + maxEventSize);
        }
    }

    private static String problem(String key, Endpoint endpoint) {
        if (endpoint.name() == null || !NAME.matcher(endpoint.name()).matches()) {
            return key + "name must be 1-64 characters of lowercase letters, digits and -, starting with a letter or digit";
        }
        URI url = endpoint.url();
        if (url == null || url.getScheme() == null || !Set.of("http", "https").contains(url.getScheme().toLowerCase(Locale.ROOT))
                || url.getHost() == null) {
            return key + "url must be an absolute http or https URL with a host";
        }
        if (url.getRawUserInfo() != null) {
            return key + "url must not hold credentials (they would show in the admin API); send them with headers";
        }
        if (endpoint.repositories() == null || !REPOSITORY_GLOB.matcher(endpoint.repositories()).matches()) {
            return key + "repositories must be a glob of repository names (as in access rules): lowercase letters, digits, "
                    + ". _ - / and the wildcards * (within a path component), ** (across components) and ?";
        }
        if (endpoint.secret() != null && endpoint.secret().getBytes(StandardCharsets.UTF_8).length < 16) {
            return key + "secret must be at least 16 bytes long (or left out for unsigned events)";
        }
        if (endpoint.timeout().compareTo(Duration.ofMillis(100)) < 0 || endpoint.timeout().compareTo(Duration.ofMinutes(5)) > 0) {
            return key + "timeout must be between 100ms and 5m, got " + endpoint.timeout();
        }
        if (endpoint.headers().size() > 32) {
            return key + "headers holds more than 32 headers";
        }
        for (Map.Entry<String, String> header : endpoint.headers().entrySet()) {
            if (!HEADER_NAME.matcher(header.getKey()).matches() || RESERVED_HEADERS.contains(header.getKey().toLowerCase(Locale.ROOT))) {
                return key + "headers." + header.getKey() + " is not a header name the registry lets you set";
            }
            String value = header.getValue();
            if (value == null || value.length() > 4096 || value.chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7f)) {
                return key + "headers." + header.getKey() + " must be at most 4096 characters without control characters";
            }
        }
        return null;
    }

    private static void requireBetween(String name, Duration value, Duration min, Duration max) {
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new IllegalArgumentException("registry.notifications." + name + " must be between " + min + " and " + max + ", got " + value);
        }
    }

    /** The endpoints with their repository globs compiled. */
    List<NotificationEndpoint> compiled() {
        List<NotificationEndpoint> result = new ArrayList<>(endpoints.size());
        for (Endpoint endpoint : endpoints) {
            result.add(new NotificationEndpoint(endpoint, AccessRule.globToPattern(endpoint.repositories())));
        }
        return List.copyOf(result);
    }
}
