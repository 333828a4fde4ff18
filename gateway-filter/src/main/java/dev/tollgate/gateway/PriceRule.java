package dev.tollgate.gateway;

import dev.tollgate.protocol.Money;
import dev.tollgate.protocol.PayWord;
import dev.tollgate.protocol.Scrip;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One validated price rule: requests whose path matches {@code match} (and whose method is in {@code methods}, when
 * given) are charged {@code price} by {@code charge}. Rules are tried in order; the first match wins. Immutable.
 *
 * @param match the glob as written in the config ({@code /articles/**}, {@code *.mp4}, {@code /about})
 * @param methods upper-case HTTP methods the rule applies to; empty means every method
 * @param price what one charge costs (for {@link ChargeModel#METERED}, one unit); zero for {@link ChargeModel#FREE}
 * @param charge how the price is charged
 * @param description shown to the buyer in the 402 offer; may be empty
 * @param mimeType what the content is, for the offer's {@code resource.mimeType}; may be absent
 * @param online whether the broker must confirm each charge before the content is served ({@code confirm: online},
 *               or a per-click price at or above {@code online-above}); resolved when the config is loaded
 * @param schemes the x402 schemes the rule accepts, {@code scrip} first; always holds {@code scrip} (a free rule
 *                takes no payment: empty); {@code payword} only on per-click and metered rules
 * @param window how long one per-stream charge entitles the buyer to the stream; present exactly for per-stream
 * @param stream the per-stream pattern grouping requests into one stream ({@code /videos/{id}/**}); absent means
 *               each path is its own stream; only for per-stream
 * @param unitBytes how many body bytes one metered charge pays for; above 0 exactly for metered, else 0
 * @param id the rule's own name ({@code id:} in the config), which stays when its glob is edited: 1 to 64 letters,
 *           digits, {@code .}, {@code _} or {@code -}, starting with a letter or digit; empty if it has none
 * @param brokers the ids of the brokers whose scrip the rule accepts ({@code brokers:}); empty for every broker of the
 *                config (a free rule takes no payment: empty)
 * @param free how many items a browser reads free per period before the paywall ({@code free:}); only per-click
 * @param priceFunction what prices each request ({@code price-function:}), {@code price} then being its ceiling
 *                      ({@code max-price:}); only per-click
 * @param page how the item is presented to a reader: its title, the link back to the site, who renders the paywall
 * @param access how long a buyer who paid for an item re-reads it free ({@code access: 24h}, an access window); only
 *               for per-click rules, absent for none
 * @param passes the passes the rule sells beside its price and opens to their holders ({@code passes: [...]}); only
 *               for per-click rules
 * @since 0.1
 */
public record PriceRule(String match, Set<String> methods, Money price, ChargeModel charge, String description,
                        Optional<String> mimeType, boolean online, Set<String> schemes, Optional<Duration> window,
                        Optional<String> stream, long unitBytes, Optional<String> id, Set<String> brokers,
                        Optional<FreeAllowance> free, Optional<PriceFunction> priceFunction,
                        Page page, Optional<Duration> access, List<Pass> passes) {

    /**
     * How a rule's item is presented to a reader ({@code title}, {@code back-link} and {@code paywall} in the config).
     *
     * @param title what the item is called ("The status code that waited thirty years"); empty if the rule has none
     * @param backLink where the paywall's link back to the site goes: a local path or an https URL; default "/"
     * @param appRendered whether an unpaid browser request goes on to the app, which renders the paywall itself
     *                    ({@code paywall: app}; {@link PaywallOffer}), rather than getting the filter's page
     * @since 0.6
     */
    public record Page(String title, String backLink, boolean appRendered) {

        /** No title, back to "/", the filter's own paywall. */
        public static final Page DEFAULT = new Page("", "/", false);

        public Page {
            Objects.requireNonNull(title, "title cannot be null.");
            Objects.requireNonNull(backLink, "backLink cannot be null.");
        }
    }

    /** The scheme every priced rule accepts. */
    public static final Set<String> SCRIP_ONLY = Set.of(Scrip.SCHEME);
    /** A per-stream rule's window when the config names none. */
    public static final Duration DEFAULT_WINDOW = Duration.ofHours(4);
    /** What a rule's {@code id} may be: never the start of a glob or a stream pattern, which start with / or *. */
    public static final java.util.regex.Pattern ID = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    public PriceRule {
        Objects.requireNonNull(match, "match cannot be null.");
        Objects.requireNonNull(id, "id cannot be null.");
        if (id.isPresent() && !ID.matcher(id.get()).matches()) {
            throw new IllegalArgumentException("an id is 1 to 64 letters, digits, '.', '_' or '-', starting with a "
                    + "letter or digit: " + id.get());
        }
        methods = Set.copyOf(methods);
        Objects.requireNonNull(price, "price cannot be null.");
        Objects.requireNonNull(charge, "charge cannot be null.");
        Objects.requireNonNull(description, "description cannot be null.");
        Objects.requireNonNull(mimeType, "mimeType cannot be null.");
        Objects.requireNonNull(window, "window cannot be null.");
        Objects.requireNonNull(stream, "stream cannot be null.");
        schemes = orderedSchemes(charge, schemes);
        if (online && charge != ChargeModel.PER_CLICK) {
            throw new IllegalArgumentException("only a per-click rule can be confirmed online");
        }
        if ((charge == ChargeModel.PER_STREAM) != window.isPresent()) {
            throw new IllegalArgumentException("a window is required for, and only for, a per-stream rule");
        }
        if (window.isPresent() && (window.get().toSeconds() < 1)) {
            throw new IllegalArgumentException("a window is at least 1 second");
        }
        if (stream.isPresent() && charge != ChargeModel.PER_STREAM) {
            throw new IllegalArgumentException("only a per-stream rule has a stream pattern");
        }
        if ((charge == ChargeModel.METERED) != (unitBytes > 0) || unitBytes < 0) {
            throw new IllegalArgumentException("a unit of at least 1 byte is required for, and only for, a metered "
                    + "rule");
        }
        brokers = Set.copyOf(brokers);
        if (charge == ChargeModel.FREE && !brokers.isEmpty()) {
            throw new IllegalArgumentException("a free rule takes no payment: it names no broker");
        }
        Objects.requireNonNull(free, "free cannot be null.");
        if (free.isPresent() && charge != ChargeModel.PER_CLICK) {
            throw new IllegalArgumentException("only a per-click rule has a free allowance");
        }
        Objects.requireNonNull(priceFunction, "priceFunction cannot be null.");
        if (priceFunction.isPresent() && charge != ChargeModel.PER_CLICK) {
            throw new IllegalArgumentException("only a per-click rule has a price function");
        }
        Objects.requireNonNull(page, "page cannot be null.");
        Objects.requireNonNull(access, "access cannot be null.");
        passes = List.copyOf(passes);
        if ((access.isPresent() || !passes.isEmpty()) && charge != ChargeModel.PER_CLICK) {
            throw new IllegalArgumentException("only a per-click rule has an access window or passes");
        }
        if (access.isPresent() && access.get().toSeconds() < 1) {
            throw new IllegalArgumentException("an access window is at least 1 second");
        }
    }

    /** A rule without access window or passes. */
    public PriceRule(String match, Set<String> methods, Money price, ChargeModel charge, String description,
                     Optional<String> mimeType, boolean online, Set<String> schemes, Optional<Duration> window,
                     Optional<String> stream, long unitBytes, Optional<String> id, Set<String> brokers,
                     Optional<FreeAllowance> free, Optional<PriceFunction> priceFunction, Page page) {
        this(match, methods, price, charge, description, mimeType, online, schemes, window, stream, unitBytes, id,
                brokers, free, priceFunction, page, Optional.empty(), List.of());
    }

    /** A rule presented with {@link Page#DEFAULT}. */
    public PriceRule(String match, Set<String> methods, Money price, ChargeModel charge, String description,
                     Optional<String> mimeType, boolean online, Set<String> schemes, Optional<Duration> window,
                     Optional<String> stream, long unitBytes, Optional<String> id, Set<String> brokers,
                     Optional<FreeAllowance> free, Optional<PriceFunction> priceFunction) {
        this(match, methods, price, charge, description, mimeType, online, schemes, window, stream, unitBytes, id,
                brokers, free, priceFunction, Page.DEFAULT);
    }

    /** A rule with a fixed price. */
    public PriceRule(String match, Set<String> methods, Money price, ChargeModel charge, String description,
                     Optional<String> mimeType, boolean online, Set<String> schemes, Optional<Duration> window,
                     Optional<String> stream, long unitBytes, Optional<String> id, Set<String> brokers,
                     Optional<FreeAllowance> free) {
        this(match, methods, price, charge, description, mimeType, online, schemes, window, stream, unitBytes, id,
                brokers, free, Optional.empty());
    }

    /**
     * This rule at the price its {@link #priceFunction} gave one request: what that request's stages see.
     *
     * @since 0.6
     */
    public PriceRule pricedAt(Money requestPrice) {
        return new PriceRule(match, methods, requestPrice, charge, description, mimeType, online, schemes, window,
                stream, unitBytes, id, brokers, free, priceFunction, page, access, passes);
    }

    /** A rule without a free allowance. */
    public PriceRule(String match, Set<String> methods, Money price, ChargeModel charge, String description,
                     Optional<String> mimeType, boolean online, Set<String> schemes, Optional<Duration> window,
                     Optional<String> stream, long unitBytes, Optional<String> id, Set<String> brokers) {
        this(match, methods, price, charge, description, mimeType, online, schemes, window, stream, unitBytes, id,
                brokers, Optional.empty(), Optional.empty());
    }

    /**
     * What the item is called for people: its {@code title}, else its {@code description}, else its {@code match}.
     *
     * @since 0.6
     */
    public String title() {
        return !page.title().isEmpty() ? page.title() : !description.isEmpty() ? description : match;
    }

    /** A rule accepting every broker's scrip. */
    public PriceRule(String match, Set<String> methods, Money price, ChargeModel charge, String description,
                     Optional<String> mimeType, boolean online, Set<String> schemes, Optional<Duration> window,
                     Optional<String> stream, long unitBytes, Optional<String> id) {
        this(match, methods, price, charge, description, mimeType, online, schemes, window, stream, unitBytes, id,
                Set.of());
    }

    /** A rule without an {@code id}. */
    public PriceRule(String match, Set<String> methods, Money price, ChargeModel charge, String description,
                     Optional<String> mimeType, boolean online, Set<String> schemes, Optional<Duration> window,
                     Optional<String> stream, long unitBytes) {
        this(match, methods, price, charge, description, mimeType, online, schemes, window, stream, unitBytes,
                Optional.empty());
    }

    /** An offline rule: charges are confirmed by the gateway's own ledger alone. */
    public PriceRule(String match, Set<String> methods, Money price, ChargeModel charge, String description,
                     Optional<String> mimeType) {
        this(match, methods, price, charge, description, mimeType, false);
    }

    /**
     * A rule accepting scrip only; a per-stream rule gets the {@linkplain #DEFAULT_WINDOW default window} and one
     * stream per path. A metered rule needs the canonical constructor (it has no default unit).
     */
    public PriceRule(String match, Set<String> methods, Money price, ChargeModel charge, String description,
                     Optional<String> mimeType, boolean online) {
        this(match, methods, price, charge, description, mimeType, online,
                charge == ChargeModel.FREE ? Set.of() : SCRIP_ONLY,
                charge == ChargeModel.PER_STREAM ? Optional.of(DEFAULT_WINDOW) : Optional.empty(), Optional.empty(),
                0);
    }

    /** Whether the rule applies to requests with this (upper-case) method. A rule for GET also covers HEAD. */
    public boolean appliesTo(String method) {
        return methods.isEmpty() || methods.contains(method) || (method.equals("HEAD") && methods.contains("GET"));
    }

    /**
     * The name a per-stream rule keeps its entitlements under (PROTOCOL.md section 9): its {@code id}, else its
     * {@code stream} pattern, else its {@code match}. An entitlement belongs to the rule that sold it, and survives
     * any edit of the rule that keeps this name: with an {@code id}, every edit.
     */
    public String entitlementKey() {
        return id.orElse(stream.orElse(match));
    }

    /** The pass with this id among those the rule sells, or {@code null}. */
    public Pass pass(String passId) {
        for (Pass pass : passes) {
            if (pass.id().equals(passId)) {
                return pass;
            }
        }
        return null;
    }

    /** Whether the rule accepts scrip (and PayWord chains) of the broker with this id. */
    public boolean acceptsBroker(String brokerId) {
        return brokers.isEmpty() || brokers.contains(brokerId);
    }

    /** Whether the rule accepts payment with this x402 scheme. */
    public boolean accepts(String scheme) {
        return schemes.contains(scheme);
    }

    /** The known schemes in offer order (scrip first), checked against the charge model. */
    private static Set<String> orderedSchemes(ChargeModel charge, Set<String> schemes) {
        Objects.requireNonNull(schemes, "schemes cannot be null.");
        if (charge == ChargeModel.FREE) {
            if (!schemes.isEmpty()) {
                throw new IllegalArgumentException("a free rule takes no payment: it accepts no scheme");
            }
            return Set.of();
        }
        for (String scheme : schemes) {
            if (!scheme.equals(Scrip.SCHEME) && !scheme.equals(PayWord.SCHEME)) {
                throw new IllegalArgumentException("unknown scheme '" + scheme + "'");
            }
        }
        if (!schemes.contains(Scrip.SCHEME)) {
            throw new IllegalArgumentException("every priced rule accepts scrip");
        }
        if (schemes.size() == 1) {
            return SCRIP_ONLY;
        }
        if (charge != ChargeModel.PER_CLICK && charge != ChargeModel.METERED) {
            throw new IllegalArgumentException("payword is accepted only on per-click and metered rules");
        }
        Set<String> ordered = new LinkedHashSet<>();
        ordered.add(Scrip.SCHEME);
        ordered.add(PayWord.SCHEME);
        return Collections.unmodifiableSet(ordered);
    }
}
