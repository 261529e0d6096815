package io.cangku.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.servlet.ServletException;
import org.apache.catalina.AccessLog;
import org.apache.catalina.Globals;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.web.servlet.HandlerMapping;

import java.io.IOException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
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

    private final Supplier<MeterRegistry> registry;
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

        if (route != null) {
            count(route, method, status, bytesIn, bytesOut, nanos);
        }
    }

    private void count(String route, String method, int status, long bytesIn, long bytesOut, long nanos) {
        MeterRegistry meters = registry.get();
        boolean manifest = route.equals("/v2/{name}/manifests/{reference}");
        boolean blob = route.equals("/v2/{name}/blobs/{digest}");
        boolean upload = route.startsWith("/v2/{name}/blobs/uploads/");
        boolean success = status >= 200 && status < 300;
        if (success && bytesIn > 0 && (upload || manifest && method.equals("PUT"))) {
            Counter.builder("cangku.bytes.pushed").baseUnit("bytes").description("Request body bytes accepted by blob uploads and manifest pushes")
                    .tag("kind", upload ? "blob" : "manifest").register(meters).increment(bytesIn);
        }
        if (success && method.equals("GET") && (blob || manifest)) {
            Counter.builder("cangku.bytes.pulled").baseUnit("bytes").description("Response body bytes of blob and manifest pulls")
                    .tag("kind", blob ? "blob" : "manifest").register(meters).increment(bytesOut);
        }
        if (upload && !method.equals("GET")) {
            String outcome = success ? "success" : status >= 500 ? "error" : "refused";
            Timer.builder("cangku.upload.requests").description("Upload requests (POST, PATCH, PUT of a blob upload) by duration")
                    .tags("method", method, "outcome", outcome).register(meters).record(nanos, TimeUnit.NANOSECONDS);
            DistributionSummary.builder("cangku.upload.request.size").baseUnit("bytes").description("Body bytes per upload request")
                    .tags("method", method, "outcome", outcome).register(meters).record(bytesIn);
        }
        if (route.equals("/token")) {
            String outcome = switch (status) {
                case 200 -> "success";
                case 401 -> "refused";
                case 429 -> "throttled";
                default -> "invalid";
            };
            Counter.builder("cangku.logins").description("Token requests (docker login and every token fetch) by outcome")
                    .tag("outcome", outcome).register(meters).increment();
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
