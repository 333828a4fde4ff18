package dev.tollgate.gateway.payment;

import dev.tollgate.gateway.http.ErrorCode;
import dev.tollgate.gateway.http.PaymentException;
import dev.tollgate.gateway.ChargeModel;
import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.PriceRule;
import dev.tollgate.gateway.charge.ChargeModels;
import dev.tollgate.gateway.http.Answers;
import dev.tollgate.gateway.http.PaidForwarding;
import dev.tollgate.gateway.keys.BrokerVerification;
import dev.tollgate.gateway.keys.PayWordVerifier;
import dev.tollgate.gateway.ledger.ChainAccount;
import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.route.PricedRequest;
import dev.tollgate.gateway.route.Snapshot;
import dev.tollgate.gateway.settlement.RefundHolds;
import dev.tollgate.protocol.Money;
import dev.tollgate.protocol.PayWord;
import dev.tollgate.protocol.PaymentPayload;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import java.io.IOException;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * The PayWord scheme (docs/PROTOCOL.md section 8): a payment {@code (i, w_i)} on a chain the broker certified. Reading
 * checks only the payload's form; paying checks the rule, the network and the price, finds the verified commitment
 * (sent along, cached, or stored in the ledger) and hands a {@link ChainPayer} to the rule's charge model, which
 * checks the word against the chain's head as it charges. Thread-safe.
 */
public final class PayWordScheme implements PaymentScheme {

    /** What every payment on a chain shares: the ledger, the holds, the verified commitments. */
    record Chains(Ledger ledger, RefundHolds holds, PayWordVerifier verifier, LongAdder hashSteps,
                  PaidForwarding forwarding, FailedVerifications failures) {
    }

    private final Chains chains;
    private final ChargeModels models;
    private final Clock clock;
    /** Hash operations done to verify words: lets a test prove a refused payment cost no hashing. */
    public final LongAdder hashSteps = new LongAdder();
    /** Commitments (with their certificates) whose signatures were checked, not found in the cache. */
    public final LongAdder commitmentChecks = new LongAdder();
    /** Commitments looked up in the ledger by id, not found in the cache. */
    public final LongAdder storedLookups = new LongAdder();

    private PayWordScheme(PayWordVerifier verifier, Ledger ledger, PaidForwarding forwarding, RefundHolds holds,
                          ChargeModels models, Clock clock, FailedVerifications failures) {
        this.chains = new Chains(ledger, holds, verifier, hashSteps, forwarding, failures);
        this.models = models;
        this.clock = clock;
    }

    /** The scheme for chains certified by any of {@code brokers}, each checked with its own keys. */
    public static PayWordScheme start(GatewayConfig config, BrokerVerification brokers, Ledger ledger,
                                      PaidForwarding forwarding, RefundHolds holds, ChargeModels models, Clock clock,
                                      long cacheSize, FailedVerifications failures) {
        PayWordVerifier verifier = brokers.payWords(config.sellerId(), clock, cacheSize);
        return new PayWordScheme(verifier, ledger, forwarding, holds, models, clock, failures);
    }

    /** A scheme that only reads (benchmarks, tests of the reading stage): serving is refused. */
    static PayWordScheme readingOnly() {
        return new PayWordScheme(null, null, null, null, null, null, null);
    }

    @Override
    public String name() {
        return PayWord.SCHEME;
    }

    /**
     * The PayWord payload: {@code commitment} or {@code commitmentId}, {@code index} (a JSON integer) and
     * {@code word}. Only its form is checked here; the commitment and the word are checked against the chain.
     */
    @Override
    public Credential read(PaymentPayload payload, long acceptedMicros, String network, PayingClient client)
            throws PaymentException {
        return PayWordPayloads.read(payload, acceptedMicros, network);
    }

    /** Answers a request paid with PayWord: forwards it once paid, otherwise a 402 (or a 503 when the ledger fails). */
    @Override
    public void serve(PricedRequest priced, Credential credential, FilterChain chain)
            throws IOException, ServletException {
        if (models == null) {
            throw new IllegalStateException("this PayWord scheme only reads");
        }
        Credential.PayWordPayment payment = (Credential.PayWordPayment) credential;
        Snapshot current = priced.current();
        PriceRule rule = priced.rule();
        ChainAccount account;
        PayingClient client = new PayingClient(priced.request(), current.config.clientLimits());
        try {
            GatewayConfig.Broker broker = checkAcceptable(current, rule, payment);
            // Before any ledger read, signature check or hashing: a word on a cached chain costs hashing too.
            chains.failures().check(client.address(), client.limits());
            account = account(payment, broker, current, client);
            PayingBroker.of(account.issuer(), payment.network(), current); // the network's broker certified it
            if (payment.index() < 1 || payment.index() > account.length()) {
                throw new PaymentException(ErrorCode.INDEX_OUT_OF_RANGE, "index " + payment.index()
                        + " is outside the chain's 1 to " + account.length());
            }
        } catch (PaymentException e) {
            Answers.paymentRequired(priced, e.code(), e.getMessage());
            return;
        } catch (FailedVerifications.TooManyFailures e) {
            Answers.tooManyFailures(priced, e.retryAfterSeconds(), e.code(), e.getMessage());
            return;
        } catch (LedgerUnavailableException | RuntimeException e) {
            // Fail closed: a ledger that cannot answer, or a bug, never lets the content through.
            Answers.ledgerUnavailable(priced, e);
            return;
        }
        ChainPayer payer = new ChainPayer(account, payment, current.config.payword().maxStep(), chains, client);
        models.of(rule).serve(priced, payer, chain); // what the app throws passes up as it was thrown
    }

    /** A verified commitment still cached, by id, or {@code null}: for tests and operations. */
    public ChainAccount account(String commitmentId) throws PaymentException {
        return chains.verifier().cached(commitmentId, Integer.MAX_VALUE);
    }

    /** What a cached read cannot know: the rule, the network and the price now. Returns the network's broker. */
    private static GatewayConfig.Broker checkAcceptable(Snapshot current, PriceRule rule,
                                                        Credential.PayWordPayment payment) throws PaymentException {
        if (!rule.accepts(PayWord.SCHEME)) {
            throw new PaymentException(ErrorCode.MALFORMED_PAYMENT, "this resource is not sold for PayWord; pay with "
                    + "scheme " + String.join(" or ", rule.schemes()));
        }
        if (rule.charge() != ChargeModel.PER_CLICK && rule.charge() != ChargeModel.METERED) {
            throw new PaymentException(ErrorCode.MALFORMED_PAYMENT, "PayWord pays per-click and metered resources; "
                    + "this one is charged " + rule.charge().configName() + ": pay with scrip");
        }
        if (rule.online()) {
            // The broker confirms scrip charges online (section 7); it has no such step for PayWord words.
            throw new PaymentException(ErrorCode.MALFORMED_PAYMENT, "this resource needs the broker's online "
                    + "confirmation, which PayWord has not; pay with scheme scrip");
        }
        GatewayConfig.Broker broker = PayingBroker.on(payment.network(), current);
        PayingBroker.checkAccepted(rule, broker, current);
        if (payment.acceptedMicros() < rule.price().micros()) {
            throw new PaymentException(ErrorCode.PRICE_CHANGED, "the price is now "
                    + rule.price().toDisplayString() + "; you agreed to "
                    + Money.ofMicros(payment.acceptedMicros(), rule.price().currency()).toDisplayString());
        }
        return broker;
    }

    /**
     * The verified commitment: sent along, cached, or reloaded from the ledger (after a restart or a key refresh) and
     * verified. The client has failures left ({@link #serve} checked): each lookup that misses and each verification
     * that fails counts against it ({@link FailedVerifications}), as an unknown reference and a bad token do. A
     * commitment reloaded from the ledger and verified is cached: its chain is recorded, so it is no commitment that
     * paid nothing (see {@link PayWordVerifier}), and without the cache every word on it would cost two signature
     * checks and a ledger read.
     */
    private ChainAccount account(Credential.PayWordPayment payment, GatewayConfig.Broker broker, Snapshot current,
                                 PayingClient client) throws PaymentException, LedgerUnavailableException {
        int maxLength = current.config.payword().maxChainLength();
        ChainAccount account = chains.verifier().cached(payment.commitmentId(), maxLength);
        if (account != null) {
            return unexpired(account);
        }
        if (payment.commitment() != null) {
            commitmentChecks.increment();
            return unexpired(verified(payment.commitment(), maxLength, client));
        }
        storedLookups.increment();
        Optional<String> stored = chains.ledger().commitment(broker.issuer(), payment.commitmentId());
        if (stored.isEmpty() || !PayWord.commitmentId(stored.get()).equals(payment.commitmentId())) {
            chains.failures().failed(client.address(), client.limits());
            throw new PaymentException(ErrorCode.UNKNOWN_COMMITMENT, "this seller does not know the "
                    + "commitment; send it again with 'commitment'");
        }
        commitmentChecks.increment();
        account = verified(stored.get(), maxLength, client);
        chains.verifier().remember(account);
        return unexpired(account);
    }

    /** Verifies a commitment; a failure other than a broker that cannot be asked counts against the client. */
    private ChainAccount verified(String commitment, int maxLength, PayingClient client) throws PaymentException {
        try {
            return chains.verifier().verify(commitment, maxLength);
        } catch (PaymentException e) {
            if (e.code() != ErrorCode.BROKER_UNAVAILABLE) {
                chains.failures().failed(client.address(), client.limits());
            }
            throw e;
        }
    }

    private ChainAccount unexpired(ChainAccount account) throws PaymentException {
        if (!clock.instant().isBefore(account.expiresAt())) {
            throw new PaymentException(ErrorCode.EXPIRED_TOKEN, "the PayWord commitment has expired");
        }
        return account;
    }
}
