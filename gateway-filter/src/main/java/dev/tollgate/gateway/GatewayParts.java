package dev.tollgate.gateway;

import dev.tollgate.gateway.browser.BrowserFlow;
import dev.tollgate.gateway.browser.BrowserSeal;
import dev.tollgate.gateway.browser.CallbackGuard;
import dev.tollgate.gateway.browser.FreeReads;
import dev.tollgate.gateway.charge.ChargeModels;
import dev.tollgate.gateway.http.PaidForwarding;
import dev.tollgate.gateway.keys.BrokerVerification;
import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.ledger.LedgerView;
import dev.tollgate.gateway.payment.CredentialCache;
import dev.tollgate.gateway.payment.CredentialReader;
import dev.tollgate.gateway.payment.FailedVerifications;
import dev.tollgate.gateway.payment.OnlineConfirmation;
import dev.tollgate.gateway.payment.PayWordScheme;
import dev.tollgate.gateway.payment.PaymentReader;
import dev.tollgate.gateway.payment.PaymentSchemes;
import dev.tollgate.gateway.payment.ScripReferences;
import dev.tollgate.gateway.payment.ScripScheme;
import dev.tollgate.gateway.payment.ScripTokens;
import dev.tollgate.gateway.payment.ShadowMode;
import dev.tollgate.gateway.route.Router;
import dev.tollgate.gateway.settlement.RefundHolds;
import dev.tollgate.gateway.settlement.RefundLimit;
import dev.tollgate.gateway.settlement.Settlements;
import java.io.IOException;
import java.time.Clock;
import java.util.List;

/**
 * What one started filter runs on, wired once at {@link TollgateFilter#init}: the ledger, the settler, the broker's
 * keys, and the request's stages (route, read, the payment schemes and their charge models). Closes them in the
 * order they depend on each other. The filter keeps the config in force and the API; this class keeps the parts.
 */
final class GatewayParts implements AutoCloseable {

    private final boolean ownsLedger;
    private boolean closed;
    private Clock clock;
    Ledger ledger;
    LedgerView ledgerView;
    Settlements settlements;
    BrokerVerification verification;
    BrowserFlow browser;
    CredentialReader reader;
    PayWordScheme payWords;
    /**
     * The stages of a request, in order: route, a free read, read the payment, pay under its scheme (then forward or
     * answer).
     */
    Router router;
    FreeReads freeReads;
    PaymentReader payments;
    PaymentSchemes schemes;
    /** In {@code mode: shadow}, instead of reading and paying: serves free and counts. */
    ShadowMode shadow;

    private GatewayParts(Ledger ledger) {
        this.ownsLedger = ledger == null;
        this.ledger = ledger;
        SqliteDriver.opened();
    }

    /**
     * Opens and wires every part for {@code config}; on failure closes what was opened and throws.
     *
     * @param sharedLedger a ledger the caller owns, or {@code null} to open the one the config names
     */
    static GatewayParts open(GatewayConfig config, Ledger sharedLedger, Clock clock, long cacheSize)
            throws IOException {
        GatewayParts parts = new GatewayParts(sharedLedger);
        try {
            parts.wire(config, clock, cacheSize);
            return parts;
        } catch (IOException | RuntimeException e) {
            parts.close();
            throw e;
        }
    }

    private void wire(GatewayConfig config, Clock clock, long cacheSize) throws IOException {
        this.clock = clock;
        if (ownsLedger) {
            ledger = LedgerFactory.open(config);
        }
        ledgerView = LedgerView.readOnly(ledger);
        settlements = Settlements.start(config, ledger, clock);
        RefundHolds holds = settlements.holds();
        RefundLimit refundLimit = new RefundLimit();
        PaidForwarding forwarding = new PaidForwarding(ledger, refundLimit);
        ChargeModels models = new ChargeModels(forwarding, refundLimit, settlements::charged, clock);
        verification = BrokerVerification.start(config, clock);
        FailedVerifications failures = new FailedVerifications(config.clientLimits().clients(), clock);
        CredentialCache credentials = new CredentialCache(cacheSize, clock);
        ScripTokens tokens = new ScripTokens(verification::verify, clock, verification::reverifyAfterMillis, failures,
                credentials);
        OnlineConfirmation online = new OnlineConfirmation(settlements, forwarding);
        payWords = PayWordScheme.start(config, verification, ledger, forwarding, holds, models, clock, cacheSize,
                failures);
        schemes = new PaymentSchemes(List.of( // the schemes buyers may pay with: one line each
                new ScripScheme(tokens, clock, ledger, holds, online, forwarding, models),
                payWords));
        reader = new CredentialReader(schemes, tokens, ScripReferences.open(config.dataDir(), cacheSize, ledger,
                failures, clock), clock);
        browser = new BrowserFlow(clock, BrowserSeal.loadOrCreate(config.dataDir()), ledger, settlements::canceller,
                new CallbackGuard(failures, new FailedVerifications(config.clientLimits().clients(), clock)));
        router = new Router(browser, reader, credentials, clock);
        freeReads = FreeReads.open(config.dataDir(), clock);
        payments = new PaymentReader(reader, credentials);
        shadow = new ShadowMode(reader, credentials);
    }

    /** The clock the parts run on. */
    Clock clock() {
        return clock;
    }

    /**
     * Takes the brokers of a config applied live: the keys of brokers added are fetched and their settlers started,
     * brokers removed are no longer trusted and are retired (their charges still settled). Before the new snapshot
     * is in force, so its offers name only brokers whose scrip can be verified.
     */
    void brokersReloaded(GatewayConfig next) {
        verification.reloaded(next, clock);
        settlements.reloaded(next);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (verification != null) {
                verification.close();
            }
            if (settlements != null) {
                settlements.close(); // one final batch each, with a short deadline, while the ledger is still open
            }
            if (ledger != null && ownsLedger) {
                ledger.close();
            }
        } finally {
            // What else would keep the app's class loader once the container drops it: see each.
            SqliteDriver.closed();
            RecordMethodCaches.forgetAppClasses();
        }
    }
}
