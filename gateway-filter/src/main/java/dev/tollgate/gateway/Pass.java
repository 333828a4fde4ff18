package dev.tollgate.gateway;

import dev.tollgate.protocol.Money;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One validated pass of the config's {@code passes:} section (docs/CONFIG.md "Passes"): bought once for
 * {@code price}, it opens for {@code duration} every request of the per-click rules that list it, to the buyer who
 * bought it. The ledger keeps it as an entitlement named {@link #entitlementKey()}, so it is cluster-wide and durable
 * like a stream's. Immutable.
 *
 * @param id the pass's name in rules' {@code passes:} and in the offer's {@code extra.pass.id}: 1 to 64 letters,
 *           digits, {@code .}, {@code _} or {@code -}, starting with a letter or digit ({@link PriceRule#ID})
 * @param title shown to buyers ("Day pass")
 * @param price what the pass costs, charged once
 * @param duration how long it is open after it is bought
 * @param covers the globs of the rules it may be sold on, as written: every rule listing it lies within one of them
 * @since 0.6
 */
public record Pass(String id, String title, Money price, Duration duration, List<String> covers) {

    public Pass {
        Objects.requireNonNull(id, "id cannot be null.");
        if (!PriceRule.ID.matcher(id).matches()) {
            throw new IllegalArgumentException("a pass id is 1 to 64 letters, digits, '.', '_' or '-': " + id);
        }
        Objects.requireNonNull(title, "title cannot be null.");
        Objects.requireNonNull(price, "price cannot be null.");
        Objects.requireNonNull(duration, "duration cannot be null.");
        covers = List.copyOf(covers);
        if (price.isZero() || duration.toSeconds() < 1 || covers.isEmpty()) {
            throw new IllegalArgumentException("a pass has a price, a duration of at least 1 second and covers");
        }
    }

    /**
     * What the ledger keeps its entitlements under: {@code pass <id>}, which no path-keyed entitlement (a stream, an
     * access window's item) can be, since those start with {@code /}.
     */
    public String entitlementKey() {
        return "pass " + id;
    }
}
