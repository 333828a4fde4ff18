package dev.tollgate.gateway.config;

import java.time.Duration;

/** Parses the config's short durations: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 4h}, {@code 7d}. */
final class Durations {

    private Durations() {
    }

    static Duration parse(String text) {
        String trimmed = text.trim();
        int split = 0;
        while (split < trimmed.length() && Character.isDigit(trimmed.charAt(split))) {
            split++;
        }
        if (split == 0 || split > 9) {
            throw new IllegalArgumentException("'" + text + "' is not a duration like 30s, 5m, 4h or 7d");
        }
        long amount = Long.parseLong(trimmed.substring(0, split));
        switch (trimmed.substring(split)) {
            case "ms":
                return Duration.ofMillis(amount);
            case "s":
                return Duration.ofSeconds(amount);
            case "m":
                return Duration.ofMinutes(amount);
            case "h":
                return Duration.ofHours(amount);
            case "d":
                return Duration.ofDays(amount);
            default:
                throw new IllegalArgumentException("'" + text + "' is not a duration like 30s, 5m, 4h or 7d");
        }
    }

    /** Writes a duration as the config does, in the largest unit that is exact: {@code 10m}, {@code 90s}. */
    static String format(Duration duration) {
        long millis = duration.toMillis();
        long[] sizes = {86_400_000, 3_600_000, 60_000, 1_000};
        String[] units = {"d", "h", "m", "s"};
        for (int i = 0; i < sizes.length; i++) {
            if (millis != 0 && millis % sizes[i] == 0) {
                return millis / sizes[i] + units[i];
            }
        }
        return millis + "ms";
    }
}
