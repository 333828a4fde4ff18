package dev.tollgate.broker;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The budget on the consent page: the preset choices it offers, and the budget its form chose ({@code budget} a
 * preset in micro-units, or {@code custom} with the typed amount such as {@code 1.25} or {@code $1.25}).
 */
final class BudgetForm {

    /** Budget choices offered when at least the price, in micro-units: $0.50, $1, $2, $5. */
    static final List<Long> PRESETS = List.of(500_000L, 1_000_000L, 2_000_000L, 5_000_000L);
    /** {@link #chosen}: the custom amount is malformed. */
    static final long MALFORMED = -1;
    /** {@link #chosen}: a preset checked and an amount typed. */
    static final long AMBIGUOUS = -2;

    private static final Pattern CUSTOM = Pattern.compile("\\$?([0-9]{1,3})(?:\\.([0-9]{1,6}))?");

    private BudgetForm() {
    }

    /** The preset budgets from the price up to what the balance and the scrip cap allow; the price alone if none. */
    static List<Long> choices(long price, long balance) {
        long min = Math.max(price, 1);
        long cap = Math.min(balance, ScripRules.MAX_BUDGET_MICROS);
        List<Long> out = new ArrayList<>();
        for (long p : PRESETS) {
            if (p >= min && p <= cap) {
                out.add(p);
            }
        }
        if (out.isEmpty() && min <= cap) {
            out.add(min);
        }
        return out;
    }

    /**
     * The chosen budget in micro-units: the custom amount when "Another amount" is ticked or no choice is; {@link
     * #MALFORMED} if that amount is malformed, {@link #AMBIGUOUS} if a preset is ticked while an amount is typed: the
     * buyer may have typed first and then picked the preset, so neither is taken as consent (the page's script ticks
     * "Another amount" as the buyer types, so this happens only without scripts or after picking a preset).
     */
    static long chosen(Map<String, String> form) {
        String choice = form.getOrDefault("budget", "");
        String custom = form.getOrDefault("custom", "").strip();
        if (!choice.isEmpty() && !choice.equals("custom") && !custom.isEmpty()) {
            return AMBIGUOUS;
        }
        // A typed amount with no choice ticked is the typed amount: typing is choosing.
        String text = choice.equals("custom") || (choice.isEmpty() && !custom.isEmpty()) ? custom : null;
        if (text == null) {
            return choice.matches("[0-9]{1,12}") ? Long.parseLong(choice) : MALFORMED;
        }
        Matcher m = CUSTOM.matcher(text);
        if (!m.matches()) {
            return MALFORMED;
        }
        String fraction = m.group(2) == null ? "" : m.group(2);
        return Long.parseLong(m.group(1)) * 1_000_000 + Long.parseLong((fraction + "000000").substring(0, 6));
    }
}
