package dev.tollgate.gateway.http;

/**
 * What a client sent, made fit to echo in an error message: short and printable, so that a message cannot carry a
 * token, break a log line or grow with the request. Only field names and similar are echoed, never credentials.
 */
public final class ClientText {

    private static final int MAX_CHARS = 40;

    private ClientText() {
    }

    /** The first 40 characters (then {@code ...}), anything but printable ASCII as {@code ?}; "" for null. */
    public static String excerpt(String value) {
        if (value == null) {
            return "";
        }
        String cut = value.length() > MAX_CHARS ? value.substring(0, MAX_CHARS) + "..." : value;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
