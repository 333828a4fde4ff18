package dev.tollgate.broker;

/**
 * A refused request: the HTTP status, a stable error code and a message for a person. Thrown by request handling and
 * turned into {@code {"error": code, "message": message}} by {@link ApiAnswers}. Messages never echo secrets.
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

    /** Whether {@code s} is printable ASCII only (ids that go into messages and logs). */
    static boolean printableAscii(String s) {
        return s.chars().allMatch(c -> c >= 0x20 && c < 0x7f);
    }

    /** Echoes what a client sent in a message: at most 64 characters, anything but printable ASCII as {@code ?}. */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && i < 64; i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return sb.toString();
    }
}
