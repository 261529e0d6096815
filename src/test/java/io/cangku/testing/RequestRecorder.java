package io.cangku.testing;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;

/**
 * Remembers every request the registry answered (method, path, query, status), so an end-to-end test can
 * check what a real client actually sent: that buildah asked for a cross-repository mount, for instance.
 * Add it to a whole-application test with {@code @Import(RequestRecorder.class)}; it runs first, before
 * security, so it also sees requests that are refused.
 */
public class RequestRecorder implements Filter, Ordered {

    /** One answered request. {@code query} is raw (still percent-encoded), or empty. */
    public record Exchange(String method, String path, String query, int status) {

        /** The decoded value of a query parameter, or null when absent. */
        public String queryParameter(String name) {
            return Arrays.stream(query.split("&"))
                    .map(pair -> pair.split("=", 2))
                    .filter(pair -> URLDecoder.decode(pair[0], StandardCharsets.UTF_8).equals(name))
                    .map(pair -> pair.length == 2 ? URLDecoder.decode(pair[1], StandardCharsets.UTF_8) : "")
                    .findFirst().orElse(null);
        }

        @Override
        public String toString() {
            return method + " " + path + (query.isEmpty() ? "" : "?" + query) + " -> " + status;
        }
    }

    private final Queue<Exchange> exchanges = new ConcurrentLinkedQueue<>();

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest http = (HttpServletRequest) request;
        try {
            chain.doFilter(request, response);
        } finally {
            String query = http.getQueryString();
            exchanges.add(new Exchange(http.getMethod(), http.getRequestURI(), query == null ? "" : query,
                    ((HttpServletResponse) response).getStatus()));
        }
    }

    /**
     * Everything recorded so far, in the order the exchanges ended. A client may send its next request as
     * soon as it has read a response, before this filter has recorded that response, so the order of two
     * consecutive requests is not guaranteed.
     */
    public List<Exchange> exchanges() {
        return List.copyOf(exchanges);
    }

    /** The requests addressed to one repository, i.e. whose path starts with {@code /v2/<repository>/}. */
    public List<Exchange> forRepository(String repository) {
        String prefix = "/v2/" + repository + "/";
        return exchanges.stream().filter(exchange -> exchange.path().startsWith(prefix)).toList();
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
