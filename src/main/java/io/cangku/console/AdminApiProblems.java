package io.cangku.console;

import io.cangku.auth.AccountAuthenticationProvider;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpStatus;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes the admin API's RFC 9457 problem details where no controller runs: the security chain's refusals
 * (401 with a Basic challenge, 429 while throttled, 403 for a non-administrator), the error page and
 * requests Tomcat refuses itself. Same shape as the {@code ProblemDetail}s {@link ConsoleErrorHandler} returns
 * ({@code status}, {@code title}, {@code detail}, {@code instance}).
 */
@Component
public class AdminApiProblems {

    public static final String CONTENT_TYPE = "application/problem+json";

    private final JsonMapper json;

    public AdminApiProblems(JsonMapper json) {
        this.json = json;
    }

    /** The security chain's answer to a missing or wrong password, or to a throttled sign-in. */
    public AuthenticationEntryPoint entryPoint(String realm) {
        return (request, response, e) -> {
            if (e instanceof AccountAuthenticationProvider.ThrottledException throttled) {
                write(request, response, 429, "too many failed sign-ins; retry later",
                        Map.of("Retry-After", Long.toString(Math.max(1, throttled.retryAfter().toSeconds()))));
            } else {
                write(request, response, 401, "sign in with an administrator's name and password",
                        Map.of("WWW-Authenticate", "Basic realm=\"" + realm + "\""));
            }
        };
    }

    /** A signed-in account that is not an administrator. */
    public AccessDeniedHandler accessDenied() {
        return (request, response, e) -> write(request, response, 403,
                "the admin API is for administrators; sign in as one", Map.of());
    }

    public void write(HttpServletRequest request, HttpServletResponse response, int status, String detail,
                      Map<String, String> headers) throws IOException {
        if (response.isCommitted()) {
            return;
        }
        response.resetBuffer();
        response.setStatus(status);
        headers.forEach(response::setHeader);
        byte[] body = json.writeValueAsBytes(body(status, detail, request.getRequestURI()));
        response.setContentType(CONTENT_TYPE);
        response.setContentLength(body.length);
        if (!"HEAD".equals(request.getMethod())) {
            response.getOutputStream().write(body);
        }
        response.flushBuffer();
    }

    /** The problem document itself, for Boot's error page (which writes the body on its own). */
    public static Map<String, Object> body(int status, String detail, String instance) {
        HttpStatus known = HttpStatus.resolve(status);
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("status", status);
        problem.put("title", known == null ? "Error" : known.getReasonPhrase());
        problem.put("detail", detail);
        if (instance != null) {
            problem.put("instance", instance);
        }
        return problem;
    }
}
