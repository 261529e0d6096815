package io.cangku.config;

import io.cangku.api.OciErrorWriter;
import io.cangku.oci.OciError;
import io.cangku.ops.NotReadyResponse;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.io.IOException;
import java.util.Map;

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
            errors.write(request, response, OciError.UNAVAILABLE.httpStatus(), OciError.UNAVAILABLE,
                    "the registry is not ready yet (starting or stopping); retry in " + retryAfterSeconds + " s", null,
                    Map.of("Retry-After", Integer.toString(retryAfterSeconds)));
            return true;
        };
    }

    /**
     * Tomcat refuses some requests before any filter or servlet sees them (a path with {@code %00}, one that
     * climbs above the root, {@code /v2/../../x}) and answers them with an HTML page from the host's error
     * report valve. For {@code /v2} the answer is the spec's error envelope instead, written by the same
     * {@link OciErrorWriter} as every other {@code /v2} error.
     */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> ociErrorReportValve(OciErrorWriter errors) {
        return factory -> factory.addContextCustomizers(context ->
                context.getParent().getPipeline().addValve(new OciErrorReportValve(errors)));
    }

    private static final class OciErrorReportValve extends ErrorReportValve {

        private final OciErrorWriter errors;

        OciErrorReportValve(OciErrorWriter errors) {
            this.errors = errors;
            setShowReport(false);
            setShowServerInfo(false);
        }

        @Override
        protected void report(Request request, Response response, Throwable throwable) {
            String uri = request.getRequestURI();
            if (uri == null || !uri.startsWith("/v2")) {
                super.report(request, response, throwable);
                return;
            }
            int status = response.getStatus();
            if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
                return;
            }
            try {
                if (status == 400) {
                    errors.write(request, response, status, OciError.NAME_INVALID,
                            "the request path could not be parsed: it holds characters or segments no repository name can",
                            null, Map.of());
                } else {
                    errors.write(request, response, status, status >= 500 ? OciError.UNKNOWN : OciError.UNSUPPORTED,
                            "the request could not be handled (HTTP " + status + ")", null, Map.of());
                }
            } catch (IOException e) {
                // the client is gone; nothing to report to
            }
        }
    }
}
