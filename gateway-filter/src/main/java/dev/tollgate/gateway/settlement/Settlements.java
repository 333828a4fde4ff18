package dev.tollgate.gateway.settlement;

import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.SettlementStatus;
import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Settlement with every configured broker, each apart: one {@link Settler} per broker (its own thread, batches of its
 * scrip and chains only, its outbox of online voids, its backoff), its online charger and its scrip canceller, all
 * signing with the one seller key, which the seller registers at each broker. One broker unreachable or refusing
 * batches delays no other's claims. The request path's {@link RefundHolds} are shared: each settler reads those of
 * its broker. Thread-safe.
 */
public final class Settlements implements AutoCloseable {

    /** What settles with one broker. */
    private record Broker(String id, Settler settler, OnlineCharger charger, ScripCanceller canceller) {
    }

    private final SellerKey key;
    private final RefundHolds holds;
    /** By issuer, in the config's order. */
    private final Map<String, Broker> brokers = new LinkedHashMap<>();

    private Settlements(SellerKey key, RefundHolds holds) {
        this.key = key;
        this.holds = holds;
    }

    /**
     * Loads the seller key ({@code settlement.seller-key-file}, or the one created in the config's data dir) and
     * starts settling with every broker in the background; on failure stops what it started.
     *
     * @throws IllegalStateException if the seller key file is unusable (e.g. readable by group or others), or the
     *     ledger settles as one of several ({@link Ledger#settlementLedgerId}) without a provisioned key
     */
    public static Settlements start(GatewayConfig config, Ledger ledger, Clock clock) throws IOException {
        Optional<Path> keyFile = config.settlement().sellerKeyFile();
        if (ledger.settlementLedgerId().isPresent() && keyFile.isEmpty()) {
            throw new IllegalStateException("a ledger that settles as one of several (" + ledger.getClass().getName()
                    + ") needs the seller key provisioned to every node: settlement.seller-key-file");
        }
        SellerKey key = keyFile.isPresent() ? SellerKey.load(keyFile.get()) : SellerKey.loadOrCreate(config.dataDir());
        Settlements settlements = new Settlements(key, new RefundHolds(clock, config.settlement().refundWindow()));
        try {
            for (GatewayConfig.Broker broker : config.brokers()) {
                Settler settler = Settler.start(config, broker, ledger, settlements.key, settlements.holds, clock);
                settlements.brokers.put(broker.issuer(), new Broker(broker.id(), settler, settler.onlineCharger(),
                        settler.scripCanceller(broker.cancelUri())));
            }
        } catch (RuntimeException e) {
            settlements.close();
            throw e;
        }
        return settlements;
    }

    /** The seller's public key as an OKP/Ed25519 JWK, JSON, to register at every broker. */
    public String sellerPublicJwk() {
        return key.publicJwk();
    }

    /** The request path's holds ({@link Settler#holds}), which every broker's settler reads. */
    public RefundHolds holds() {
        return holds;
    }

    /** Called after every charge, on the request path: wakes every broker's settler early. Never blocks. */
    public void charged() {
        for (Broker broker : brokers.values()) {
            broker.settler.charged();
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

    private Broker of(String issuer) {
        Broker broker = brokers.get(issuer);
        if (broker == null) {
            throw new IllegalArgumentException("no broker with issuer " + issuer + " is settled with");
        }
        return broker;
    }

    /** Takes the brokers' charge URLs from a config applied live (issuers are restart-only). */
    public void reloaded(GatewayConfig next) {
        for (GatewayConfig.Broker broker : next.brokers()) {
            of(broker.issuer()).settler.onlineVoids().chargeUri(broker.chargeUri());
        }
    }

    /**
     * Where settlement stands with all brokers together: the amounts, counts and holds summed; the last success the
     * latest of any broker; the failures in a row the most of any broker, with that broker's last error (named by
     * its id when there are several). Reads every unsettled scrip: for a dashboard, not per request.
     */
    public SettlementStatus status() throws LedgerUnavailableException {
        List<SettlementStatus> each = new ArrayList<>();
        for (Broker broker : brokers.values()) {
            each.add(broker.settler.status());
        }
        if (each.size() == 1) {
            return each.get(0);
        }
        long charged = 0;
        long settled = 0;
        long unsettled = 0;
        int unsettledScrip = 0;
        long sinceStart = 0;
        int refused = 0;
        int heldRequests = 0;
        long heldMicros = 0;
        Optional<Instant> lastSuccess = Optional.empty();
        Optional<String> lastError = Optional.empty();
        int failures = 0;
        List<String> ids = brokers.values().stream().map(Broker::id).toList();
        for (int i = 0; i < each.size(); i++) {
            SettlementStatus s = each.get(i);
            charged += s.chargedMicros();
            settled += s.settledMicros();
            unsettled += s.unsettledMicros();
            unsettledScrip += s.unsettledScrip();
            sinceStart += s.settledSinceStartMicros();
            refused += s.refusedScrip();
            heldRequests += s.heldRequests();
            heldMicros += s.heldMicros();
            if (s.lastSuccess().isPresent() && (lastSuccess.isEmpty() || s.lastSuccess().get().isAfter(
                    lastSuccess.get()))) {
                lastSuccess = s.lastSuccess();
            }
            if (s.lastError().isPresent() && (lastError.isEmpty() || s.consecutiveFailures() > failures)) {
                lastError = Optional.of(ids.get(i) + ": " + s.lastError().get());
                failures = s.consecutiveFailures();
            }
        }
        return new SettlementStatus(charged, settled, unsettled, unsettledScrip, sinceStart, lastSuccess, lastError,
                failures, refused, heldRequests, heldMicros);
    }

    /**
     * Stops the cancellers' retries, then every settler after one final batch each, all at once (so closing takes
     * {@link Settler#FLUSH_DEADLINE} at most, however many brokers are unreachable), and waits for them. Call before
     * closing the ledger.
     */
    @Override
    public void close() {
        for (Broker broker : brokers.values()) {
            broker.canceller.close();
        }
        if (brokers.size() == 1) {
            brokers.values().iterator().next().settler.close();
            return;
        }
        List<Thread> closing = new ArrayList<>();
        for (Broker broker : brokers.values()) {
            Thread thread = new Thread(broker.settler::close, "tollgate-settler-close-" + broker.id);
            thread.start();
            closing.add(thread);
        }
        boolean interrupted = false;
        for (Thread thread : closing) {
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
