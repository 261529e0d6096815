package io.cangku.console;

import io.cangku.oci.OciError;
import io.cangku.oci.RegistryException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.validation.FieldError;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.core.JacksonException;

import java.io.IOException;
import java.util.stream.Collectors;

/**
 * The one place that turns errors of the admin API into RFC 9457 problem details, each with a
 * {@code detail} a person can act on; never a stack trace. Spring MVC's own exceptions (malformed JSON, a
 * failed constraint, a wrong method...) come through {@link ResponseEntityExceptionHandler}, with the details
 * rewritten where Spring's would say nothing useful or would show what was sent: a rejected value may be a
 * password, so neither the answer nor the log ever holds one.
 */
@RestControllerAdvice(basePackageClasses = ConsoleErrorHandler.class)
class ConsoleErrorHandler extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ConsoleErrorHandler.class);

    @ExceptionHandler(RegistryException.class)
    ProblemDetail registryError(RegistryException e) {
        // DENIED here means "not possible in this state" (declared in configuration, name taken, still in use)
        HttpStatus status = e.error() == OciError.DENIED ? HttpStatus.CONFLICT : HttpStatus.valueOf(e.error().httpStatus());
        return ProblemDetail.forStatusAndDetail(status, e.getMessage());
    }

    @ExceptionHandler(IOException.class)
    ProblemDetail storageError(IOException e) {
        log.warn("admin API storage failure: {}", e.toString());
        return ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE, "the registry's storage failed; retry later");
    }

    @ExceptionHandler(RuntimeException.class)
    ProblemDetail unexpected(RuntimeException e) {
        log.error("admin API failure: {}", e.toString());
        return ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR,
                "the registry failed to handle this request; its log says why");
    }

    /** Names each invalid field and why, never its value (a password's constraint once logged the password). */
    @Override
    protected ResponseEntity<Object> handleMethodArgumentNotValid(MethodArgumentNotValidException e, HttpHeaders headers,
                                                                  HttpStatusCode status, WebRequest request) {
        String detail = e.getBindingResult().getFieldErrors().stream()
                .map(ConsoleErrorHandler::describe)
                .collect(Collectors.joining("; "));
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail.isEmpty() ? "the request body is invalid" : detail);
        return handleExceptionInternal(e, problem, headers, status, request);
    }

    /** Where the JSON went wrong, by field name, without quoting the body. */
    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException e, HttpHeaders headers,
                                                                  HttpStatusCode status, WebRequest request) {
        String field = e.getCause() instanceof JacksonException jackson && !jackson.getPath().isEmpty()
                ? " (at field '" + jackson.getPath().getLast().getPropertyName() + "')" : "";
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status,
                "the request body is not the JSON this endpoint takes" + field + "; see README.md, Admin API");
        return handleExceptionInternal(e, problem, headers, status, request);
    }

    private static String describe(FieldError error) {
        return error.getField() + " " + (error.getDefaultMessage() == null ? "is invalid" : error.getDefaultMessage());
    }
}
