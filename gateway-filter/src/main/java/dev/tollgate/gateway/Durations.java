package dev.tollgate.gateway;

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
}
