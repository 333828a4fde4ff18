package dev.tollgate.broker;

/**
 * A refused request: the HTTP status, a stable error code and a message for a person. Thrown by request handling and
 * turned into {@code {"error": code, "message": message}} by {@link ApiHandler}. Messages never echo secrets.
 */
final class ApiException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;
    private final java.util.Map<String, String> details = new java.util.LinkedHashMap<>();

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

    /** Adds a string field to the error's JSON body (besides error and message). */
    ApiException with(String field, String value) {
        details.put(field, value);
        return this;
    }

    java.util.Map<String, String> details() {
        return java.util.Collections.unmodifiableMap(details);
    }

    static ApiException badRequest(String code, String message) {
        return new ApiException(400, code, message);
    }
}
