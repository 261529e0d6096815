package io.cangku.api;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

import java.io.IOException;

/** Hands whatever a {@code /v2} endpoint throws to {@link OciErrorWriter}, which alone decides the answer. */
@RestControllerAdvice(assignableTypes = V2Controller.class)
class OciErrorHandler {

    private final OciErrorWriter writer;

    OciErrorHandler(OciErrorWriter writer) {
        this.writer = writer;
    }

    @ExceptionHandler(Exception.class)
    void failed(Exception e, HttpServletRequest request, HttpServletResponse response) throws IOException {
        writer.write(request, response, e);
    }
}
