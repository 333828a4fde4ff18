package dev.tollgate.testkit;

import java.util.List;
import java.util.Random;

/**
 * Random values shaped like hostile input: strings from alphabets parsers care about (base64, JSON punctuation,
 * controls, lone surrogates), numbers at the edges, and a list of known troublemakers. Stateless; thread-safe.
 */
public final class Gen {

    private static final String BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    private static final String BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
    private static final String PUNCTUATION = "{}[]\":,.=;&%+-_/\\ \t\r\n'<>?#@!*`~|^$()";
    private static final String DIGITS = "0123456789";

    /** Values that have broken parsers before: empties, edges of number types, encodings, separators. */
    public static final List<String> TROUBLE = List.of("", " ", "null", "true", "0", "-0", "-1", "01", "1.0", "1e3",
            "1e309", "-1e309", "NaN", "Infinity", "0x10", "2147483647", "2147483648", "-2147483649",
            "9223372036854775807", "9223372036854775808", "-9223372036854775808", "18446744073709551616",
            "99999999999999999999999999999999", "0.0000001", "1_000", "\u0000", "\u0007", "\u001b[2J", "\u007f",
            "\u0085", "\u00a0", "\u2028", "\uFEFF", "\uD800", "\uDC00", "\uFFFF", "\uD83D\uDE00", "\u00e9", "%", "%0",
            "%00", "%zz", "%C3%28", "%2e%2e", "%2F", "+", "=", "==", "===", ".", "..", "...", "/", "//", "\\", "\"",
            "'", "{", "}", "[", "]", "{}", "[]", "{\"a\":1}", "[[[[[[[[", "<script>", "&", ";", ",", "\r\n", "\n\n",
            "*", "**", "~", "${x}", "${env:HOME}", "#{x}", "!!binary", "&a", "*a", "<<", "---", "...", "? ", "- ",
            "|", ">", "@", "`", "eyJ", "eyJhbGciOiJub25lIn0", "AAAA", "A", "AA", "AAA=", "x".repeat(129),
            "a".repeat(2049), "é".repeat(300));

    private Gen() {
    }

    /** One of {@code values}. */
    @SafeVarargs
    public static <T> T oneOf(Random random, T... values) {
        return values[random.nextInt(values.length)];
    }

    /** One of {@code values}. */
    public static <T> T oneOf(Random random, List<? extends T> values) {
        return values.get(random.nextInt(values.size()));
    }

    /** A troublemaker from {@link #TROUBLE}. */
    public static String trouble(Random random) {
        return oneOf(random, TROUBLE);
    }

    /** A string of up to {@code maxLength} characters from an alphabet chosen at random, sometimes a troublemaker. */
    public static String string(Random random, int maxLength) {
        if (random.nextInt(6) == 0) {
            return trouble(random);
        }
        int length = random.nextInt(4) == 0 ? random.nextInt(maxLength + 1) : random.nextInt(Math.min(maxLength, 24)
                + 1);
        String alphabet = switch (random.nextInt(6)) {
            case 0 -> BASE64URL;
            case 1 -> BASE64;
            case 2 -> PUNCTUATION + BASE64URL;
            case 3 -> DIGITS + "-.e+";
            default -> null;
        };
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            out.append(alphabet != null ? alphabet.charAt(random.nextInt(alphabet.length())) : anyChar(random));
        }
        return out.toString();
    }

    /** A character: mostly printable ASCII, sometimes a control, a Latin-1 or BMP character or a lone surrogate. */
    public static char anyChar(Random random) {
        return switch (random.nextInt(10)) {
            case 0 -> (char) random.nextInt(0x20);
            case 1 -> (char) (0x80 + random.nextInt(0x80));
            case 2 -> (char) random.nextInt(0x10000);
            case 3 -> (char) (0xD800 + random.nextInt(0x800));
            default -> (char) (0x20 + random.nextInt(0x5f));
        };
    }

    /** Up to {@code maxLength} random bytes. */
    public static byte[] bytes(Random random, int maxLength) {
        byte[] bytes = new byte[random.nextInt(maxLength + 1)];
        random.nextBytes(bytes);
        return bytes;
    }

    /** A {@code long} at or near an edge (0, 1, -1, the int and long limits) or anywhere. */
    public static long edgyLong(Random random) {
        return switch (random.nextInt(8)) {
            case 0 -> 0;
            case 1 -> random.nextInt(3) - 1;
            case 2 -> Integer.MAX_VALUE + (long) random.nextInt(3) - 1;
            case 3 -> Integer.MIN_VALUE + (long) random.nextInt(3) - 1;
            case 4 -> Long.MAX_VALUE - random.nextInt(2);
            case 5 -> Long.MIN_VALUE + random.nextInt(2);
            case 6 -> random.nextInt(1_000_000);
            default -> random.nextLong();
        };
    }
}
