package io.cangku.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import org.apache.catalina.AccessLog;
import org.apache.catalina.Globals;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.http.HttpStatus;
import org.springframework.web.servlet.HandlerMapping;

import java.io.IOException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The request id and the access log, in Tomcat's pipeline rather than a servlet filter: the valve runs around
 * everything (Spring Security, the error page), and Tomcat calls {@link #log} only when the response is
 * complete, with the true byte counts, including a blob sent by {@code sendfile}, which never passes through
 * the servlet output stream.
 *
 * <p>The request id comes from {@code X-Request-Id} when it is short and plain, or is generated; it is
 * returned in the response and put in the MDC as {@code requestId}, so every log line of the request carries
 * it. The same place counts the bytes pushed and pulled, upload requests and logins, by route template only.
 */
final class RequestLogValve extends ValveBase implements AccessLog {

    static final String REQUEST_ID_HEADER = "X-Request-Id";
    static final String MDC_KEY = "requestId";
    /** Set by {@link AuthenticatedUserFilter}: the name of the authenticated account, if any. */
    static final String USER_ATTRIBUTE = RequestLogValve.class.getName() + ".user";

    private static final Logger access = LoggerFactory.getLogger("io.cangku.access");
    private static final Pattern ACCEPTED_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    private static final int MAX_LOGGED_PATH = 200;
    private static final Set<String> KNOWN_METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE");

    private final Supplier<MeterRegistry> registry;
    /**
     * The meters this valve records into, by their name and tag values, found again without building a
     * meter id and sorting its tags for every request (4 % of the bytes a 64-connection manifest GET
     * allocated, bench/README.md). As many entries as the registry holds meters of these names: every tag
     * value is bounded (see {@link #time}), and meters are never removed from the registry.
     */
    private final Map<List<Object>, Meter> meters = new ConcurrentHashMap<>();
    private volatile boolean requestAttributesEnabled;

    RequestLogValve(Supplier<MeterRegistry> registry) {
        super(true);
        this.registry = registry;
    }

    @Override
    public void invoke(Request request, Response response) throws IOException, ServletException {
        String id = requestId(request.getHeader(REQUEST_ID_HEADER));
        request.setNote(MDC_KEY, id);
        response.setHeader(REQUEST_ID_HEADER, id);
        MDC.put(MDC_KEY, id);
        try {
            getNext().invoke(request, response);
        } finally {
            MDC.remove(MDC_KEY);
        }
    }

    /** A client's id when it is 1 to 64 characters of {@code [A-Za-z0-9._:-]} (nothing to forge a log line with), else a new one. */
    static String requestId(String offered) {
        if (offered != null && ACCEPTED_ID.matcher(offered).matches()) {
            return offered;
        }
        // Not SecureRandom: an id is a label, not a secret (it is sent back and logged), and NativePRNG reads
        // /dev/urandom under one JVM-wide lock: 3 % of the samples of a 64-connection manifest GET profile.
        return HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    }

    @Override
    public void log(Request request, Response response, long time) {
        Object id = request.getNote(MDC_KEY);
        if (id != null) {
            MDC.put(MDC_KEY, id.toString());
        }
        try {
            record(request, response);
        } catch (RuntimeException e) {
            // never let bookkeeping fail a request that is already answered
            access.warn("could not record the request: {}", e.toString());
        } finally {
            MDC.remove(MDC_KEY);
        }
    }

    private void record(Request request, Response response) {
        String method = request.getMethod();
        Object pattern = request.getAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE);
        String route = pattern != null ? pattern.toString() : null;
        String repository = request.getAttribute(HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE) instanceof Map<?, ?> vars
                && vars.get("name") != null ? vars.get("name").toString() : "-";
        Object user = request.getAttribute(USER_ATTRIBUTE);
        int status = response.getStatus();
        long bytesIn = Math.max(0, request.getCoyoteRequest().getBytesRead());
        long bytesOut = bytesWritten(request, response);
        long nanos = System.nanoTime() - request.getCoyoteRequest().getStartTimeNanos();
        long millis = TimeUnit.NANOSECONDS.toMillis(nanos);
        // a request Spring answered from its error page shows as /error: the path the client asked for says more
        String shownRoute = route != null && !route.equals("/error") ? route : printable(request.getRequestURI());

        access.atInfo()
                .addKeyValue("http.method", method)
                .addKeyValue("http.route", shownRoute)
                .addKeyValue("repository", repository)
                .addKeyValue("http.status", status)
                .addKeyValue("bytes.in", bytesIn)
                .addKeyValue("bytes.out", bytesOut)
                .addKeyValue("duration.ms", millis)
                .addKeyValue("user", user != null ? user : "-")
                .addKeyValue("client", request.getRemoteAddr())
                .setMessage(() -> method + " " + shownRoute + " " + status + " repo=" + repository + " in=" + bytesIn
                        + " out=" + bytesOut + " " + millis + "ms user=" + (user != null ? user : "-")
                        + " client=" + request.getRemoteAddr())
                .log();

        // a client chooses the method: one outside the standard ones is tagged UNKNOWN, keeping the tags bounded
        String knownMethod = KNOWN_METHODS.contains(method) ? method : "UNKNOWN";
        time(request, knownMethod, route, status, nanos);
        if (route != null) {
            count(route, knownMethod, status, bytesIn, bytesOut, nanos);
        }
    }

    /**
     * {@code http.server.requests}, with the tags of Spring's observation of it ({@code method}, {@code uri},
     * {@code status}, {@code outcome}, {@code exception}, {@code error}), recorded here rather than by Spring's
     * observation filter, which {@link OpsConfiguration} turns off: that filter built an observation, a context,
     * its key values and a long-task timer per request, 11 % of a 64-connection manifest GET profile, where this
     * valve already knows the route, the status and the time. Every tag is bounded: the route is a template, an
     * unknown method is {@code UNKNOWN}, an exception is named by its class.
     */
    private void time(Request request, String knownMethod, String route, int status, long nanos) {
        Object failure = request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
        String exception = failure instanceof Throwable t ? t.getClass().getSimpleName() : "none";
        String uri = uriTag(route, status);
        meter(List.of("http.server.requests", knownMethod, uri, status, exception), meters -> Timer.builder("http.server.requests")
                .description("Duration of HTTP server request handling")
                .tag("method", knownMethod)
                .tag("uri", uri)
                .tag("status", Integer.toString(status))
                .tag("outcome", outcome(status))
                .tag("exception", exception)
                .tag("error", exception)
                .register(meters)).record(nanos, TimeUnit.NANOSECONDS);
    }

    @SuppressWarnings("unchecked")
    private <M extends Meter> M meter(List<Object> key, Function<MeterRegistry, M> register) {
        Meter known = meters.get(key);
        return known != null ? (M) known : (M) meters.computeIfAbsent(key, k -> register.apply(registry.get()));
    }

    /** As Spring's {@code DefaultServerRequestObservationConvention}: the route template, else by status. */
    private static String uriTag(String route, int status) {
        if (route != null) {
            return route.isEmpty() ? "root" : route;
        }
        if (status >= 300 && status < 400) {
            return "REDIRECTION";
        }
        return status == 404 ? "NOT_FOUND" : "UNKNOWN";
    }

    private static String outcome(int status) {
        HttpStatus.Series series = HttpStatus.Series.resolve(status);
        return series == null ? "UNKNOWN" : switch (series) {
            case INFORMATIONAL -> "INFORMATIONAL";
            case SUCCESSFUL -> "SUCCESS";
            case REDIRECTION -> "REDIRECTION";
            case CLIENT_ERROR -> "CLIENT_ERROR";
            case SERVER_ERROR -> "SERVER_ERROR";
        };
    }

    private void count(String route, String knownMethod, int status, long bytesIn, long bytesOut, long nanos) {
        boolean manifest = route.equals("/v2/{name}/manifests/{reference}");
        boolean blob = route.equals("/v2/{name}/blobs/{digest}");
        boolean upload = route.startsWith("/v2/{name}/blobs/uploads/");
        boolean success = status >= 200 && status < 300;
        if (success && bytesIn > 0 && (upload || manifest && knownMethod.equals("PUT"))) {
            String kind = upload ? "blob" : "manifest";
            meter(List.of("cangku.bytes.pushed", kind), meters -> Counter.builder("cangku.bytes.pushed").baseUnit("bytes")
                    .description("Request body bytes accepted by blob uploads and manifest pushes")
                    .tag("kind", kind).register(meters)).increment(bytesIn);
        }
        if (success && knownMethod.equals("GET") && (blob || manifest)) {
            String kind = blob ? "blob" : "manifest";
            meter(List.of("cangku.bytes.pulled", kind), meters -> Counter.builder("cangku.bytes.pulled").baseUnit("bytes")
                    .description("Response body bytes of blob and manifest pulls")
                    .tag("kind", kind).register(meters)).increment(bytesOut);
        }
        if (upload && !knownMethod.equals("GET")) {
            String outcome = success ? "success" : status >= 500 ? "error" : "refused";
            meter(List.of("cangku.upload.requests", knownMethod, outcome), meters -> Timer.builder("cangku.upload.requests")
                    .description("Upload requests (POST, PATCH, PUT of a blob upload) by duration")
                    .tags("method", knownMethod, "outcome", outcome).register(meters)).record(nanos, TimeUnit.NANOSECONDS);
            meter(List.of("cangku.upload.request.size", knownMethod, outcome), meters -> DistributionSummary.builder("cangku.upload.request.size")
                    .baseUnit("bytes").description("Body bytes per upload request")
                    .tags("method", knownMethod, "outcome", outcome).register(meters)).record(bytesIn);
        }
        if (route.equals("/token")) {
            String outcome = switch (status) {
                case 200 -> "success";
                case 401 -> "refused";
                case 429 -> "throttled";
                default -> "invalid";
            };
            meter(List.of("cangku.logins", outcome), meters -> Counter.builder("cangku.logins")
                    .description("Token requests (docker login and every token fetch) by outcome")
                    .tag("outcome", outcome).register(meters)).increment();
        }
    }

    /** As Tomcat's own access log does: a sendfile response's bytes never pass the output buffer. */
    private static long bytesWritten(Request request, Response response) {
        long written = response.getBytesWritten(false);
        if (written <= 0 && request.getAttribute(Globals.SENDFILE_FILE_START_ATTR) instanceof Long start
                && request.getAttribute(Globals.SENDFILE_FILE_END_ATTR) instanceof Long end) {
            written = end - start;
        }
        return Math.max(0, written);
    }

    /** A raw path for the log: bounded, with control characters (a forged log line) replaced. */
    private static String printable(String path) {
        if (path == null) {
            return "-";
        }
        String bounded = path.length() > MAX_LOGGED_PATH ? path.substring(0, MAX_LOGGED_PATH) + "…" : path;
        return bounded.replaceAll("\\p{Cntrl}", "?");
    }

    @Override
    public void setRequestAttributesEnabled(boolean enabled) {
        this.requestAttributesEnabled = enabled;
    }

    @Override
    public boolean getRequestAttributesEnabled() {
        return requestAttributesEnabled;
    }
}
