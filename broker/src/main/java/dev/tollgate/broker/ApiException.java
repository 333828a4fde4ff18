package dev.tollgate.broker;

/**
 * A refused request: the HTTP status, a stable error code and a message for a person. Thrown by request handling and
 * turned into {@code {"error": code, "message": message}} by {@link ApiHandler}. Messages never echo secrets.
 */
final class ApiException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;

    ApiException(int status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    static ApiException badRequest(String code, String message) {
        return new ApiException(400, code, message);
    }
}
