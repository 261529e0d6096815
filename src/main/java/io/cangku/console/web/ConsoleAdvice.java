package io.cangku.console.web;

import io.cangku.oci.RegistryException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.ui.Model;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

import java.io.IOException;
import java.security.Principal;

/**
 * For every console page: who is looking ({@code viewer}), and the one error map of the console, which answers
 * with an HTML page, the status and a sentence saying what to do, never a stack trace. Ahead of the admin API's
 * problem-detail advice, which would otherwise also apply to this subpackage.
 */
@ControllerAdvice(basePackageClasses = ConsoleAdvice.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
class ConsoleAdvice {

    private static final Logger log = LoggerFactory.getLogger(ConsoleAdvice.class);

    private final ViewerResolver viewers;

    ConsoleAdvice(ViewerResolver viewers) {
        this.viewers = viewers;
    }

    /** Signals that the session's account was deleted or has expired since it signed in. */
    static final class SessionEnded extends RuntimeException {
        SessionEnded() {
            super("the account of this session no longer exists or has expired", null, false, false);
        }
    }

    @ModelAttribute("viewer")
    Viewer viewer(Principal principal) throws IOException {
        if (principal == null) {
            return viewers.resolve(null).orElse(null); // the sign-in page; or everyone, on an open registry
        }
        return viewers.resolve(principal).orElseThrow(SessionEnded::new);
    }

    @ExceptionHandler(SessionEnded.class)
    String sessionEnded(HttpServletRequest request) {
        HttpSession session = request.getSession(false);
        if (session != null) {
            session.invalidate();
        }
        SecurityContextHolder.clearContext();
        return "redirect:/login?expired";
    }

    @ExceptionHandler(ConsoleException.class)
    String consoleError(ConsoleException e, HttpServletResponse response, Model model, Principal principal) {
        return errorPage(response, model, principal, e.status(), e.getMessage());
    }

    @ExceptionHandler(RegistryException.class)
    String registryError(RegistryException e, HttpServletResponse response, Model model, Principal principal) {
        int status = e instanceof io.cangku.oci.StateConflictException ? 409 : switch (e.error()) {
            case DENIED -> 403;
            case NAME_UNKNOWN, MANIFEST_UNKNOWN, BLOB_UNKNOWN -> 404;
            case UNSUPPORTED -> 405;
            default -> e.error().httpStatus() >= 500 ? 500 : 400;
        };
        return errorPage(response, model, principal, status, e.getMessage());
    }

    @ExceptionHandler({MissingServletRequestParameterException.class, MethodArgumentTypeMismatchException.class})
    String badParameter(Exception e, HttpServletResponse response, Model model, Principal principal) {
        String name = e instanceof MissingServletRequestParameterException m ? m.getParameterName()
                : ((MethodArgumentTypeMismatchException) e).getName();
        return errorPage(response, model, principal, 400, "the link is missing or has a malformed parameter \"" + name
                + "\"; go back and follow a link from the page");
    }

    @ExceptionHandler(IOException.class)
    String storageError(IOException e, HttpServletResponse response, Model model, Principal principal) {
        log.warn("console storage failure: {}", e.toString());
        return errorPage(response, model, principal, 503, "the registry's storage did not answer; retry in a moment");
    }

    @ExceptionHandler(RuntimeException.class)
    String unexpected(RuntimeException e, HttpServletResponse response, Model model, Principal principal) {
        log.error("console request failed", e);
        return errorPage(response, model, principal, 500, "something went wrong on the server; the log has the details");
    }

    private String errorPage(HttpServletResponse response, Model model, Principal principal, int status, String message) {
        response.setStatus(status);
        // an exception handler starts from an empty model: the header needs the viewer again
        try {
            model.addAttribute("viewer", principal == null ? viewers.resolve(null).orElse(null) : viewers.resolve(principal).orElse(null));
        } catch (IOException | RuntimeException e) {
            model.addAttribute("viewer", null);
        }
        model.addAttribute("status", status);
        model.addAttribute("title", status == 404 ? "Not found" : status == 403 ? "Not allowed"
                : status >= 500 ? "Something went wrong" : "That did not work");
        model.addAttribute("message", message);
        return "problem";
    }

}
