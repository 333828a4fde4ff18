package dev.tollgate.broker;

/** A refusal of a browser page, shown as an HTML error page with {@code status}; the message is plain text. */
final class PageException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int status;

    PageException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    static PageException badRequest(String message) {
        return new PageException(400, message);
    }

    int status() {
        return status;
    }
}
