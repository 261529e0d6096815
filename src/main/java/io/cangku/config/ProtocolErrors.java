package io.cangku.config;

import io.cangku.api.OciErrorWriter;
import io.cangku.auth.TokenErrors;
import io.cangku.console.AdminApiProblems;
import io.cangku.oci.OciError;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.util.Map;

/**
 * Which protocol's error mapper answers a request that no controller saw (one Tomcat refused to parse, or one
 * the request firewall rejected): {@code /v2} gets the OCI envelope ({@link OciErrorWriter}), {@code /token} the
 * token endpoint's ({@link TokenErrors}), {@code /api} problem details ({@link AdminApiProblems}), and the
 * console Tomcat's own page. A request whose path Tomcat could not even read (a raw non-ASCII byte in the
 * request line) is answered as {@code /v2}: registry clients are what send such requests, and they read JSON.
 */
@Component
class ProtocolErrors {

    enum Protocol { V2, TOKEN, ADMIN_API, CONSOLE }

    private final OciErrorWriter oci;
    private final TokenErrors token;
    private final AdminApiProblems problems;

    ProtocolErrors(OciErrorWriter oci, TokenErrors token, AdminApiProblems problems) {
        this.oci = oci;
        this.token = token;
        this.problems = problems;
    }

    static Protocol of(String uri) {
        // a path parameter (";x=1", which the request firewall refuses) does not change the protocol
        String path = uri == null || uri.indexOf(';') < 0 ? uri : uri.substring(0, uri.indexOf(';'));
        if (path == null || path.isEmpty() || !path.startsWith("/") || under(path, "/v2")) {
            return Protocol.V2;
        }
        if (under(path, "/token")) {
            return Protocol.TOKEN;
        }
        return under(path, "/api") ? Protocol.ADMIN_API : Protocol.CONSOLE;
    }

    private static boolean under(String path, String root) {
        return path.equals(root) || path.startsWith(root + "/");
    }

    /** A request Tomcat refused before any servlet ran; false when Tomcat's own page should answer (the console). */
    boolean write(HttpServletRequest request, HttpServletResponse response, int status, String reason) throws IOException {
        switch (of(request.getRequestURI())) {
            case V2 -> oci.write(request, response, status, status == 400 ? OciError.NAME_INVALID
                    : status >= 500 ? OciError.UNKNOWN : OciError.UNSUPPORTED, reason);
            case TOKEN -> token.write(request, response, status, status >= 500 ? "UNKNOWN" : "invalid_request", reason);
            case ADMIN_API -> problems.write(request, response, status, reason, Map.of());
            case CONSOLE -> {
                return false;
            }
        }
        return true;
    }
}
