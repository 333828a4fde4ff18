package dev.tollgate.gateway.config;

import static dev.tollgate.gateway.config.SettingValues.between;
import static dev.tollgate.gateway.config.SettingValues.shown;

import dev.tollgate.gateway.ledger.LedgerProvider;
import dev.tollgate.gateway.ledger.SharedLedgerSettings;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * The {@code ledger} section's {@code store} and, for a store several nodes share ({@code redis}), how to reach it:
 * {@code uri}, {@code username}, {@code password-file}, {@code command-timeout}, {@code wait-replicas}, and how it
 * leases slices of budgets: {@code lease-ttl} and the {@code slice-*} settings (docs/CONFIG.md, docs/CLUSTER.md). A
 * shared store needs its {@link LedgerProvider} on the class path. Passwords
 * come from a file only: the config and every message name the file, never its content.
 */
final class SharedLedgerValidator {

    static final String EMBEDDED = "sqlite";
    private static final String[] SHARED_SETTINGS = {"uri", "username", "password-file", "command-timeout",
        "wait-replicas", "lease-ttl", "slice-spend-ahead", "slice-min-charges", "slice-max-share", "slice-max-scrip"};
    /**
     * A lease must outlast this many command timeouts: a refill sent at half the lease may take three of them (script,
     * reload, {@code WAIT}) and must be answered before the node stops charging the slice at 80 % of the lease.
     */
    private static final int LEASE_PER_COMMAND_TIMEOUT = 10;
    private static final Function<String, Duration> COMMAND_TIMEOUT = between("10ms", "2s");
    private static final BigDecimal PPM_PER_PERCENT = BigDecimal.valueOf(10_000);

    private final ConfigProblems problems;
    private final Path base;

    /** @param base the config file's folder, against which {@code password-file} is resolved */
    SharedLedgerValidator(ConfigProblems problems, Path base) {
        this.problems = problems;
        this.base = base;
    }

    /** The shared store's settings, or empty for the embedded ledger (or after a problem, recorded). */
    Optional<SharedLedgerSettings> shared(ConfigFile.Ledger ledger) {
        if (ledger == null) {
            return Optional.empty();
        }
        Located<String> written = ledger.store();
        if (ledger.type() != null && written != null) {
            problems.problem(ledger.type(), "ledger.type", "is the older name of ledger.store: write only store");
            return Optional.empty();
        }
        String setting = written != null ? "ledger.store" : "ledger.type";
        written = written != null ? written : ledger.type();
        String store = problems.optional(written, setting, SharedLedgerValidator::store, EMBEDDED);
        if (store == null) {
            return Optional.empty();
        }
        Located<String> uriWritten = Located.unlessEmpty(ledger.uri());
        Located<String> usernameWritten = Located.unlessEmpty(ledger.username());
        Located<String> passwordFileWritten = Located.unlessEmpty(ledger.passwordFile());
        Located<?>[] values = {uriWritten, usernameWritten, passwordFileWritten, ledger.commandTimeout(),
            ledger.waitReplicas(), ledger.leaseTtl(), ledger.sliceSpendAhead(), ledger.sliceMinCharges(),
            ledger.sliceMaxShare(), ledger.sliceMaxScrip()};
        if (store.equals(EMBEDDED)) {
            for (int i = 0; i < values.length; i++) {
                if (values[i] != null) {
                    problems.problem(values[i], "ledger." + SHARED_SETTINGS[i], "only for a shared ledger "
                            + "(ledger.store: redis); the embedded sqlite ledger has no such setting");
                }
            }
            return Optional.empty();
        }
        if (uriWritten == null) {
            problems.problem(written, "ledger.uri", "missing: a " + store + " ledger needs it");
            return Optional.empty();
        }
        URI uri = problems.setting(uriWritten, "ledger.uri", SharedLedgerValidator::redisUri);
        Optional<String> username = usernameWritten == null ? Optional.empty()
                : Optional.ofNullable(problems.text(usernameWritten, "ledger.username", 200));
        Optional<Path> passwordFile = problems.optional(passwordFileWritten, "ledger.password-file",
                this::readableFile, Optional.empty());
        Duration commandTimeout = problems.optional(ledger.commandTimeout(), "ledger.command-timeout",
                SharedLedgerValidator::commandTimeout, SharedLedgerSettings.DEFAULT_COMMAND_TIMEOUT);
        Integer waitReplicas = problems.optional(ledger.waitReplicas(), "ledger.wait-replicas",
                value -> SettingValues.wholeNumber(value, 0, 16), 0);
        SharedLedgerSettings.Slices slices = slices(ledger, commandTimeout);
        if (uri == null || passwordFile == null || commandTimeout == null || waitReplicas == null || slices == null) {
            return Optional.empty(); // a problem was recorded: no config is built
        }
        return Optional.of(new SharedLedgerSettings(store, uri, username, passwordFile, commandTimeout,
                waitReplicas, slices));
    }

    /** The lease and slice policy, or {@code null} after a problem (recorded). */
    private SharedLedgerSettings.Slices slices(ConfigFile.Ledger ledger, Duration commandTimeout) {
        SharedLedgerSettings.Slices defaults = SharedLedgerSettings.Slices.DEFAULTS;
        Duration leaseTtl = problems.optional(ledger.leaseTtl(), "ledger.lease-ttl", between("1s", "10m"),
                defaults.leaseTtl());
        Duration spendAhead = problems.optional(ledger.sliceSpendAhead(), "ledger.slice-spend-ahead",
                between("100ms", "1m"), defaults.spendAhead());
        Integer minCharges = problems.optional(ledger.sliceMinCharges(), "ledger.slice-min-charges",
                value -> SettingValues.wholeNumber(value, 1, 10_000), defaults.minCharges());
        Integer maxSharePpm = problems.optional(ledger.sliceMaxShare(), "ledger.slice-max-share",
                SharedLedgerValidator::sharePpm, defaults.maxSharePpm());
        Integer maxScrip = problems.optional(ledger.sliceMaxScrip(), "ledger.slice-max-scrip",
                value -> SettingValues.wholeNumber(value, 1, 1 << 20), defaults.maxScrip());
        if (leaseTtl == null || spendAhead == null || minCharges == null || maxSharePpm == null || maxScrip == null) {
            return null;
        }
        if (commandTimeout != null && leaseTtl.compareTo(commandTimeout.multipliedBy(LEASE_PER_COMMAND_TIMEOUT)) < 0) {
            problems.problem(ledger.leaseTtl() != null ? ledger.leaseTtl() : ledger.commandTimeout(),
                    ledger.leaseTtl() != null ? "ledger.lease-ttl" : "ledger.command-timeout",
                    "ledger.lease-ttl (" + Durations.format(leaseTtl) + ") must be at least "
                    + LEASE_PER_COMMAND_TIMEOUT + " times ledger.command-timeout (" + Durations.format(commandTimeout)
                    + "): a refill sent at half the lease may take three command timeouts and must be answered before "
                    + "the node stops charging the slice at 80 % of the lease. Raise lease-ttl or lower "
                    + "command-timeout");
            return null;
        }
        return new SharedLedgerSettings.Slices(leaseTtl, spendAhead, minCharges, maxSharePpm, maxScrip);
    }

    /**
     * At most 2 s: a node charges only within 8 s of its last renewal of its node id, and a renewal may take three
     * command timeouts; a slow but answering Redis must leave room for it, else the node refuses every charge.
     */
    private static Duration commandTimeout(String value) {
        try {
            return COMMAND_TIMEOUT.apply(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + ": a node charges only within 8 s of its last renewal "
                    + "of its node id, and a renewal may take three command timeouts", e);
        }
    }

    /** A share of the budget such as {@code 25%} or {@code 0.5%}, from 0.01 % to 100 %, in millionths. */
    private static int sharePpm(String value) {
        String text = value.trim();
        if (!text.endsWith("%")) {
            throw new IllegalArgumentException("'" + shown(value) + "' is not a percentage such as 25%");
        }
        BigDecimal percent;
        try {
            percent = new BigDecimal(text.substring(0, text.length() - 1).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + shown(value) + "' is not a percentage such as 25%");
        }
        if (percent.compareTo(new BigDecimal("0.01")) < 0 || percent.compareTo(BigDecimal.valueOf(100)) > 0
                || percent.stripTrailingZeros().scale() > 4) {
            throw new IllegalArgumentException("'" + shown(value) + "' must be between 0.01% and 100%");
        }
        return percent.multiply(PPM_PER_PERCENT).intValueExact();
    }

    private static String store(String value) {
        String store = value.trim().toLowerCase(Locale.ROOT);
        if (store.equals(EMBEDDED)) {
            return store;
        }
        if (!store.equals("redis")) {
            throw new IllegalArgumentException("'" + value + "' is not a ledger store: write sqlite (one node) or "
                    + "redis (several nodes, docs/CLUSTER.md)");
        }
        if (LedgerProvider.find(store).isEmpty()) {
            throw new IllegalArgumentException("'redis' needs the gateway-cluster jar next to the filter's (no "
                    + "ledger provider for redis is on the class path)");
        }
        return store;
    }

    /** {@code redis://host:port} or {@code rediss://} (TLS), with no user or password: those have settings. */
    private static URI redisUri(String value) {
        URI uri;
        try {
            uri = new URI(value.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + shown(value) + "' is not a URI");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("redis") || scheme.equals("rediss")) || uri.getHost() == null) {
            throw new IllegalArgumentException("'" + shown(value) + "' is not a redis:// or rediss:// URI with a host");
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("'" + shown(value) + "' must not carry a user or password: write "
                    + "ledger.username and ledger.password-file");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("'" + shown(value) + "' must not have a query or fragment");
        }
        return uri;
    }

    private Optional<Path> readableFile(String value) {
        Path file = base.resolve(value.trim()).normalize();
        SharedLedgerSettings.requireSecretFile(file);
        return Optional.of(file);
    }
}
