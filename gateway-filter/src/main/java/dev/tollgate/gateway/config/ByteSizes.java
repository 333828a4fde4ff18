package dev.tollgate.gateway.config;

/** Parses and prints byte counts as written in the config: {@code 1MiB}, {@code 512 KiB}, {@code 10MB}, {@code 4096B}. */
public final class ByteSizes {

    private static final String[] NAMES = {"GiB", "MiB", "KiB", "GB", "MB", "KB", "B"};
    private static final long[] FACTORS = {1L << 30, 1L << 20, 1L << 10, 1_000_000_000L, 1_000_000L, 1_000L, 1L};

    private ByteSizes() {
    }

    /**
     * A positive byte count.
     *
     * @throws IllegalArgumentException if the text is not a whole number followed by B, KiB, MiB, GiB, KB, MB or GB
     */
    static long parse(String text) {
        String trimmed = text.trim();
        int split = 0;
        while (split < trimmed.length() && Character.isDigit(trimmed.charAt(split))) {
            split++;
        }
        String suffix = trimmed.substring(split).trim();
        if (split == 0 || split > 15) {
            throw new IllegalArgumentException("'" + text + "' is not a size like 1MiB, 256KiB or 10MB");
        }
        long amount = Long.parseLong(trimmed.substring(0, split));
        for (int i = 0; i < NAMES.length; i++) {
            if (NAMES[i].equals(suffix)) {
                if (amount < 1) {
                    throw new IllegalArgumentException("'" + text + "' must be at least 1 byte");
                }
                try {
                    return Math.multiplyExact(amount, FACTORS[i]);
                } catch (ArithmeticException e) {
                    throw new IllegalArgumentException("'" + text + "' is too large");
                }
            }
        }
        throw new IllegalArgumentException("'" + text + "' has unit '" + suffix
                + "'; use B, KiB, MiB, GiB, KB, MB or GB");
    }

    /** The shortest exact form: {@code 1048576} is {@code 1 MiB}, {@code 1500} is {@code 1500 B}. */
    public static String format(long bytes) {
        for (int i = 0; i < FACTORS.length; i++) {
            if (bytes >= FACTORS[i] && bytes % FACTORS[i] == 0) {
                return bytes / FACTORS[i] + " " + NAMES[i];
            }
        }
        return bytes + " B";
    }
}
