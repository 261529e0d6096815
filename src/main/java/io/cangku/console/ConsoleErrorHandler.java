package io.cangku.console;

import io.cangku.oci.OciError;
import io.cangku.oci.RegistryException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

import java.io.IOException;

/** Errors of the admin API as RFC 9457 problem details; never a stack trace. */
@RestControllerAdvice(basePackageClasses = ConsoleErrorHandler.class)
class ConsoleErrorHandler {

    private static final Logger log = LoggerFactory.getLogger(ConsoleErrorHandler.class);

    @ExceptionHandler(RegistryException.class)
    ProblemDetail registryError(RegistryException e) {
        HttpStatus status = e.error() == OciError.DENIED ? HttpStatus.CONFLICT : HttpStatus.valueOf(e.httpStatus());
        return ProblemDetail.forStatusAndDetail(status, e.getMessage());
    }

    @ExceptionHandler(IOException.class)
    ProblemDetail storageError(IOException e) {
        log.warn("admin API storage failure: {}", e.toString());
        return ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE, "the registry's storage failed; retry later");
    }
}
