package dev.tollgate.gateway.settlement;

import dev.tollgate.gateway.BrokerSettlement;
import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.SettlementStatus;
import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Settlement with every broker the gateway is owed money by, each apart: one {@link Settler} per broker (its own
 * thread, batches of its scrip and chains only, its outbox of online voids, its backoff), its online charger and its
 * scrip canceller, all signing with the one seller key, which the seller registers at each broker. One broker
 * unreachable or refusing batches delays no other's claims. The request path's {@link RefundHolds} are shared: each
 * settler reads those of its broker.
 *
 * <p>Brokers come and go with the config ({@link #reloaded}): one added starts settling at once; one removed is
 * <em>retired</em>: its settler keeps running, from the settings it had, until nothing of its charges is left to claim
 * ({@link Settler#retire}), then stops; a later charge on its scrip, by a request that read the config before the
 * removal, starts it again ({@link #late}). {@link KnownBrokers} keeps those settings in the data dir, so a broker removed
 * while the gateway was stopped, or retired when it stopped, is settled after the next start. Thread-safe: the
 * request path reads one immutable map; changes are made under this object's lock and swap it.
 */
public final class Settlements implements AutoCloseable {

    /**
     * How long a retired broker is settled at least: a request that read the config before the reload may still
     * charge its scrip just after it.
     */
    static final Duration RETIRE_GRACE = Duration.ofSeconds(5);

    private static final Logger LOG = LoggerFactory.getLogger(Settlements.class);

    /** What settles with one broker; {@code accepted} false while a removed broker is retired. */
    private record Broker(SettledBroker settings, boolean accepted, Settler settler, OnlineCharger charger,
                          ScripCanceller canceller) {

        Broker with(SettledBroker newSettings, boolean nowAccepted) {
            return new Broker(newSettings, nowAccepted, settler, charger, canceller);
        }
    }

    private final SellerKey key;
    private final RefundHolds holds;
    private final GatewayConfig started;
    private final Ledger ledger;
    private final Clock clock;
    private final KnownBrokers known;
    /** By issuer: the configured brokers in the config's order, then the retired ones. Replaced whole. */
    private volatile Map<String, Broker> brokers = Map.of();
    /**
     * The settings of removed brokers whose settler finished in this run, by issuer: a request that read the config
     * before the removal may still charge their scrip (a metered response writing on, a request stalled before its
     * charge), and that charge starts their settler again ({@link #late}). At most one per issuer removed while
     * running; none survive a restart, after which no request can charge a broker the config does not name.
     */
    private final Map<String, SettledBroker> finished = new HashMap<>();
    /** Removed brokers whose settler could not start (their trust file unreadable): kept in {@link #known}. */
    private final List<SettledBroker> stranded = new ArrayList<>();
    private boolean closed;

    private Settlements(GatewayConfig config, Ledger ledger, Clock clock, SellerKey key) {
        this.key = key;
        this.holds = new RefundHolds(clock, config.settlement().refundWindow());
        this.started = config;
        this.ledger = ledger;
        this.clock = clock;
        this.known = new KnownBrokers(config.dataDir());
    }

    /**
     * Loads the seller key ({@code settlement.seller-key-file}, or the one created in the config's data dir) and
     * starts settling in the background with every configured broker, and with every broker {@link KnownBrokers}
     * remembers that the config no longer names, until its charges are settled; on failure stops what it started.
     *
     * @throws IllegalStateException if the seller key file or the known brokers file is unusable (e.g. the key
     *     readable by group or others), or the ledger settles as one of several ({@link Ledger#settlementLedgerId})
     *     without a provisioned key
     */
    public static Settlements start(GatewayConfig config, Ledger ledger, Clock clock) throws IOException {
        Optional<Path> keyFile = config.settlement().sellerKeyFile();
        if (ledger.settlementLedgerId().isPresent() && keyFile.isEmpty()) {
            throw new IllegalStateException("a ledger that settles as one of several (" + ledger.getClass().getName()
                    + ") needs the seller key provisioned to every node: settlement.seller-key-file");
        }
        SellerKey key = keyFile.isPresent() ? SellerKey.load(keyFile.get()) : SellerKey.loadOrCreate(config.dataDir());
        Settlements settlements = new Settlements(config, ledger, clock, key);
        List<SettledBroker> remembered = settlements.known.read();
        try {
            synchronized (settlements) {
                Map<String, Broker> running = new LinkedHashMap<>();
                for (GatewayConfig.Broker broker : config.brokers()) {
                    running.put(broker.issuer(), settlements.settle(SettledBroker.of(broker), true));
                }
                for (SettledBroker removed : remembered) {
                    if (!running.containsKey(removed.issuer())) {
                        settlements.retireAtStart(removed, running);
                    }
                }
                settlements.brokers = Collections.unmodifiableMap(running);
                settlements.remember(running.values());
            }
        } catch (RuntimeException e) {
            settlements.close();
            throw e;
        }
        return settlements;
    }

    private void retireAtStart(SettledBroker removed, Map<String, Broker> running) {
        Broker broker;
        try {
            broker = settle(removed, false);
        } catch (RuntimeException e) {
            LOG.error("Cannot settle the charges on scrip of {} ({}), which the config no longer names: {}; they stay "
                    + "in the ledger", removed.id(), removed.issuer(), e.getMessage());
            stranded.add(removed);
            return;
        }
        running.put(removed.issuer(), broker);
        retire(broker, Duration.ZERO);
        LOG.info("Settling what is left of the charges on scrip of {} ({}), which the config no longer names",
                removed.id(), removed.issuer());
    }

    /** Starts settling with {@code settings}' broker. */
    private Broker settle(SettledBroker settings, boolean accepted) {
        Settler settler = Settler.start(started, settings, ledger, key, holds, clock);
        return new Broker(settings, accepted, settler, settler.onlineCharger(),
                settler.scripCanceller(settings.cancelUri()));
    }

    /** Has {@code broker}'s settler settle what is left and stop; then it is forgotten. */
    private void retire(Broker broker, Duration grace) {
        broker.settler.retire(grace, () -> retired(broker));
    }

    /** On the settler's thread, once a retired broker's charges are settled. */
    private void retired(Broker broker) {
        String issuer = broker.settings.issuer();
        synchronized (this) {
            if (closed) {
                return; // close() closes it
            }
            Broker now = brokers.get(issuer);
            if (now != null && now.settler == broker.settler) { // else taken back and replaced meanwhile
                Map<String, Broker> running = new LinkedHashMap<>(brokers);
                running.remove(issuer);
                finished.put(issuer, broker.settings);
                remember(running.values()); // before the broker is gone from the status: whoever sees it gone sees both
                brokers = Collections.unmodifiableMap(running);
            }
        }
        broker.canceller.close();
        broker.settler.closeRetired();
        LOG.info("Every charge on scrip of {} ({}), which the config no longer names, is settled; stopped settling "
                + "with it", broker.settings.id(), issuer);
    }

    /** Writes the settings of every broker still settled with, and of those that could not be, to the data dir. */
    private void remember(java.util.Collection<Broker> settled) {
        List<SettledBroker> all = new ArrayList<>();
        settled.forEach(broker -> all.add(broker.settings));
        all.addAll(stranded);
        known.write(all);
    }

    /** The seller's public key as an OKP/Ed25519 JWK, JSON, to register at every broker. */
    public String sellerPublicJwk() {
        return key.publicJwk();
    }

    /** The request path's holds ({@link Settler#holds}), which every broker's settler reads. */
    public RefundHolds holds() {
        return holds;
    }

    /**
     * Called after every charge on scrip or a chain of the broker {@code issuer}, on the request path: wakes its
     * settler early. Never blocks for a configured broker; a charge on a removed one keeps its settler settling
     * ({@link #late}).
     */
    public void charged(String issuer) {
        try {
            of(issuer).settler.charged();
        } catch (RuntimeException e) {
            LOG.error("A charge on scrip of {} may not be claimed before the next start: {}", issuer, e.getMessage());
        }
    }

    /** Confirms online charges on scrip of the broker {@code issuer} (PROTOCOL.md section 7). */
    public OnlineCharger onlineCharger(String issuer) {
        return of(issuer).charger;
    }

    /** The outbox of voids of online charges on scrip of the broker {@code issuer}. */
    public OnlineVoids onlineVoids(String issuer) {
        return of(issuer).settler.onlineVoids();
    }

    /** Cancels scrip of the broker {@code issuer} (PROTOCOL.md section 10). */
    public ScripCanceller canceller(String issuer) {
        return of(issuer).canceller;
    }

    /**
     * The broker {@code issuer}, configured or retired: a request that read the config before a reload removed its
     * broker still charges, confirms and voids there.
     */
    private Broker of(String issuer) {
        Broker broker = brokers.get(issuer);
        return broker != null && broker.accepted ? broker : late(issuer);
    }

    /**
     * The broker {@code issuer}, removed from the config, about to be charged or just charged by a request that read
     * the config before: its settler is told to settle until that charge is claimed too, or, if it had finished,
     * started again from its settings. Its settler's finish is decided under its schedule's lock after a ledger read,
     * so either that read sees the charge or the finish is seen here: a charge on it is never left unclaimed.
     *
     * @throws IllegalArgumentException if no broker with this issuer was ever settled with in this run
     */
    private synchronized Broker late(String issuer) {
        if (closed) {
            throw new IllegalStateException("settlement is closed");
        }
        Broker broker = brokers.get(issuer);
        if (broker != null && (broker.accepted || broker.settler.keep())) {
            if (!broker.accepted) {
                retire(broker, Duration.ZERO); // finishes once its next pass finds that charge claimed too
            }
            return broker;
        }
        SettledBroker settings = broker != null ? broker.settings : finished.get(issuer);
        if (settings == null) {
            throw new IllegalArgumentException("no broker with issuer " + issuer + " is settled with");
        }
        Broker again = settle(settings, false);
        Map<String, Broker> running = new LinkedHashMap<>(brokers);
        running.put(issuer, again);
        brokers = Collections.unmodifiableMap(running);
        remember(running.values());
        retire(again, Duration.ZERO);
        LOG.warn("A request charged scrip of {} ({}) after the config removed it: settling with it again until that "
                + "charge is claimed", settings.id(), issuer);
        return again;
    }

    /**
     * Takes the brokers of a config applied live: starts settling with those added (or takes back the retirement
     * of one added again), retires those removed, and takes the charge URLs of the others (their redemption and
     * cancel URLs and trust file are restart-only). Called by one thread at a time (the config watcher's).
     */
    public synchronized void reloaded(GatewayConfig next) {
        if (closed) {
            return;
        }
        Map<String, Broker> running = brokers;
        Map<String, Broker> updated = new LinkedHashMap<>();
        for (GatewayConfig.Broker configured : next.brokers()) {
            SettledBroker settings = SettledBroker.of(configured);
            Broker was = running.get(configured.issuer());
            if (was == null || (!was.accepted && !was.settler.keep())) {
                updated.put(configured.issuer(), settle(settings, true));
                LOG.info("Settling with broker {} ({}), added to the config", configured.id(), configured.issuer());
            } else {
                was.settler.onlineVoids().chargeUri(configured.chargeUri());
                updated.put(configured.issuer(), was.with(settings, true));
            }
        }
        for (Broker was : running.values()) {
            if (!updated.containsKey(was.settings.issuer())) {
                updated.put(was.settings.issuer(), was.with(was.settings, false));
                if (was.accepted) {
                    retire(was, RETIRE_GRACE);
                    LOG.info("Broker {} ({}) was removed from the config: its scrip is no longer accepted; what was "
                            + "charged on it is still settled", was.settings.id(), was.settings.issuer());
                }
            }
        }
        brokers = Collections.unmodifiableMap(updated);
        remember(updated.values());
    }

    /** The brokers settled with: the configured ones in the config's order, then the removed ones still owed. */
    public List<SettledBroker> brokers() {
        return brokers.values().stream().map(Broker::settings).toList();
    }

    /**
     * Where settlement stands with each broker: the configured ones in the config's order, then those removed whose
     * charges are still being settled. Reads every unsettled scrip: for a dashboard, not per request.
     */
    public List<BrokerSettlement> statusByBroker() throws LedgerUnavailableException {
        List<BrokerSettlement> each = new ArrayList<>();
        for (Broker broker : brokers.values()) {
            SettledBroker s = broker.settings;
            each.add(new BrokerSettlement(s.id(), s.name(), s.issuer(), broker.accepted, broker.settler.status()));
        }
        return each;
    }

    /**
     * Where settlement stands with the broker {@code issuer}, configured or retired; empty if none settles with it.
     * Reads its unsettled scrip: for a dashboard or a metrics scrape, not per request.
     */
    public Optional<SettlementStatus> statusOf(String issuer) throws LedgerUnavailableException {
        Broker broker = brokers.get(issuer);
        return broker == null ? Optional.empty() : Optional.of(broker.settler.status());
    }

    /**
     * How long the oldest charge still unsettled at the broker {@code issuer} has waited, as this node saw it
     * ({@link BacklogAge}); empty if none waits, or none settles with it. Reads no ledger.
     */
    public Optional<Duration> backlogAge(String issuer) {
        Broker broker = brokers.get(issuer);
        return broker == null ? Optional.empty() : broker.settler.backlogAge();
    }

    /**
     * Where settlement stands with all brokers together ({@link SettlementTotals#of}). Reads every unsettled scrip:
     * for a dashboard, not per request.
     */
    public SettlementStatus status() throws LedgerUnavailableException {
        return SettlementTotals.of(statusByBroker());
    }

    /**
     * Stops the cancellers' retries, then every settler after one final batch each, all at once (so closing takes
     * {@link Settler#FLUSH_DEADLINE} at most, however many brokers are unreachable), and waits for them. Call before
     * closing the ledger.
     */
    @Override
    public void close() {
        Map<String, Broker> closing;
        synchronized (this) {
            closed = true;
            closing = brokers;
            brokers = Map.of();
        }
        for (Broker broker : closing.values()) {
            broker.canceller.close();
        }
        if (closing.size() == 1) {
            closing.values().iterator().next().settler.close();
            return;
        }
        List<Thread> threads = new ArrayList<>();
        for (Broker broker : closing.values()) {
            Thread thread = new Thread(broker.settler::close, "tollgate-settler-close-" + broker.settings.id());
            thread.start();
            threads.add(thread);
        }
        boolean interrupted = false;
        for (Thread thread : threads) {
            while (thread.isAlive()) {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    interrupted = true; // the ledger closes next: the final batches must be done first
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
