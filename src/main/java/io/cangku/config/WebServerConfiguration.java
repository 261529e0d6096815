package io.cangku.config;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import io.cangku.api.OciErrorWriter;
import io.cangku.oci.OciError;
import io.cangku.oci.RetryLaterException;
import io.cangku.ops.NotReadyResponse;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.http11.AbstractHttp11Protocol;
import org.apache.coyote.http11.Http11InputBuffer;
import org.apache.tomcat.util.res.StringManager;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;

/** Web server settings the registry protocol needs. */
@Configuration(proxyBeanMethods = false)
class WebServerConfiguration {

    /**
     * Lets an encoded slash ({@code %2F}) through undecoded instead of Tomcat's bare 400 page, so the
     * {@code /v2} route parser can refuse it with the spec's NAME_INVALID body.
     */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> encodedSlashPassthrough() {
        return factory -> factory.addConnectorCustomizers(connector -> connector.setEncodedSolidusHandling("passthrough"));
    }

    /**
     * Moves bytes to and from sockets 64 KiB at a time instead of Tomcat's 8 KiB: blobs are the registry's
     * bulk traffic, and bigger buffers cut the system calls per megabyte eightfold (strace of a 256 MiB pull
     * from S3: 32768 socket writes before). Files on local storage go out by sendfile regardless.
     */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> largerSocketBuffers() {
        return factory -> factory.addConnectorCustomizers(connector -> {
            connector.setProperty("socket.appReadBufSize", "65536");
            connector.setProperty("socket.appWriteBufSize", "65536");
        });
    }

    /**
     * Before the registry is ready (and while it stops) a {@code /v2} client gets the spec's error envelope,
     * {@code UNAVAILABLE} with {@code Retry-After}, from the same writer as every other {@code /v2} error,
     * rather than the readiness gate's plain text: clients show the envelope's message to their user.
     */
    @Bean
    NotReadyResponse v2NotReady(OciErrorWriter errors) {
        return (request, response, retryAfterSeconds) -> {
            String path = request.getRequestURI();
            if (!path.equals("/v2") && !path.startsWith("/v2/")) {
                return false;
            }
            errors.write(request, response, new RetryLaterException(OciError.UNAVAILABLE,
                    "the registry is not ready yet (starting or stopping); retry in " + retryAfterSeconds + " s",
                    java.time.Duration.ofSeconds(retryAfterSeconds)));
            return true;
        };
    }

    /**
     * Tomcat refuses some requests before any filter or servlet sees them (a raw backslash or non-ASCII byte in
     * the path, {@code %00}, a path that climbs above the root, headers over
     * {@code server.max-http-request-header-size}) and answers them with an HTML page from the host's error
     * report valve. This valve answers them in the format of the protocol the request spoke instead
     * ({@link ProtocolErrors}), and headers too large as 431 (RFC 6585) rather than Tomcat's 400.
     */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> protocolErrorReportValve(ProtocolErrors errors) {
        return factory -> factory.addContextCustomizers(context ->
                context.getParent().getPipeline().addValve(new ProtocolErrorReportValve(errors)));
    }

    /**
     * {@code /error} is where the container forwards failed requests; asked for directly, Boot's controller
     * found no error and answered 500 ("status 999"). A direct request is a 404 like any unknown path (the
     * forward is an ERROR dispatch, which this filter does not see).
     */
    @Bean
    FilterRegistrationBean<OncePerRequestFilter> errorPathNotDirectlyReachable() {
        FilterRegistrationBean<OncePerRequestFilter> registration = new FilterRegistrationBean<>(new OncePerRequestFilter() {
            @Override
            protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                    throws ServletException, IOException {
                String path = request.getRequestURI().substring(request.getContextPath().length());
                if (path.equals("/error") || path.startsWith("/error/")) {
                    response.sendError(404);
                    return;
                }
                chain.doFilter(request, response);
            }
        });
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        registration.setDispatcherTypes(DispatcherType.REQUEST);
        return registration;
    }

    private static final class ProtocolErrorReportValve extends ErrorReportValve {

        /** Tomcat's own message for headers over the limit (Http11InputBuffer, "iib.requestheadertoolarge.error"). */
        private static final String HEADER_TOO_LARGE =
                StringManager.getManager(Http11InputBuffer.class).getString("iib.requestheadertoolarge.error");

        private final ProtocolErrors errors;

        ProtocolErrorReportValve(ProtocolErrors errors) {
            this.errors = errors;
            setShowReport(false);
            setShowServerInfo(false);
        }

        @Override
        protected void report(Request request, Response response, Throwable throwable) {
            int status = response.getStatus();
            if (status < 400 || response.getContentWritten() > 0) {
                return;
            }
            boolean headersTooLarge = status == 400 && throwable != null && HEADER_TOO_LARGE.equals(throwable.getMessage());
            String reason;
            if (headersTooLarge) {
                status = 431;
                response.setStatus(431);
                reason = "the request's headers are larger than this registry accepts (" + maxHeaderSize(request)
                        + " bytes, server.max-http-request-header-size); send a shorter token or fewer headers";
            } else if (status == 400) {
                reason = "the request could not be parsed: its path holds a character no URL may hold unencoded "
                        + "(a backslash, a non-ASCII byte, a control character) or segments no repository name can";
            } else {
                reason = "the request could not be handled (HTTP " + status + ")";
            }
            try {
                if (!errors.write(request, response, status, reason)) {
                    super.report(request, response, throwable);
                    return;
                }
                response.setErrorReported();
            } catch (IOException e) {
                // the client is gone; nothing to report to
            }
        }

        private static String maxHeaderSize(Request request) {
            return request.getConnector().getProtocolHandler() instanceof AbstractHttp11Protocol<?> http
                    ? Integer.toString(http.getMaxHttpRequestHeaderSize()) : "the configured";
        }
    }
}
