package io.cangku.console.web;

/** A console request that cannot be served: rendered as an error page with this status and message. */
class ConsoleException extends RuntimeException {

    private final int status;

    ConsoleException(int status, String message) {
        super(message);
        this.status = status;
    }

    int status() {
        return status;
    }

    static ConsoleException notFound(String message) {
        return new ConsoleException(404, message);
    }

    static ConsoleException forbidden(String message) {
        return new ConsoleException(403, message);
    }

    static ConsoleException badRequest(String message) {
        return new ConsoleException(400, message);
    }
}
