package dev.tollgate.gateway;

import dev.tollgate.gateway.internal.BrokerKeys;
import dev.tollgate.gateway.internal.ErrorCode;
import dev.tollgate.gateway.internal.PayWordVerifier;
import dev.tollgate.gateway.internal.PaymentException;
import dev.tollgate.gateway.ledger.ChainAccount;
import dev.tollgate.gateway.ledger.ChainHead;
import dev.tollgate.gateway.ledger.ChargeResult;
import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.settlement.RefundHold;
import dev.tollgate.gateway.settlement.RefundHolds;
import dev.tollgate.protocol.Money;
import dev.tollgate.protocol.PayWord;
import dev.tollgate.protocol.PaymentRequired;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Clock;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PayWord payment path (docs/PROTOCOL.md section 8): checks a payment {@code (i, w_i)} against its commitment and
 * the chain's head in the ledger, charges the request's price from the chain's credit, and forwards the request like
 * a scrip-paid one.
 *
 * <p>Checks run in the protocol's order, and everything that bounds the hashing work comes before any hashing: the
 * commitment, {@code 1 <= i <= n}, {@code |i - l| <= max-step}. The ledger's compare-and-set on the head decides
 * between concurrent payments on one chain: a payment whose head moved meanwhile is checked against the new head and
 * tried again, a bounded number of times and with at most {@code 2 x max-step} hashes per request in all.
 *
 * <p>Thread-safe.
 */
final class PayWordPayments {

    /** Head moves a payment may lose to concurrent payments on its chain before it gives up (503, retry). */
    static final int MAX_ATTEMPTS = 64;

    private static final Logger LOG = LoggerFactory.getLogger(PayWordPayments.class);

    private final PayWordVerifier verifier;
    private final Ledger ledger;
    private final PaidForwarding forwarding;
    private final RefundHolds holds;
    private final RefundLimit refundLimit;
    private final Runnable charged;
    private final Clock clock;
    private final String issuer;
    private final FailedVerifications failures;
    /** Hash operations done to verify words: lets a test prove a refused payment cost no hashing. */
    final LongAdder hashSteps = new LongAdder();
    /** Commitments (with their certificates) whose signatures were checked, not found in the cache. */
    final LongAdder commitmentChecks = new LongAdder();

    PayWordPayments(PayWordVerifier verifier, Ledger ledger, PaidForwarding forwarding, RefundHolds holds,
                    RefundLimit refundLimit,
                    Runnable charged, Clock clock, String issuer, FailedVerifications failures) {
        this.verifier = verifier;
        this.ledger = ledger;
        this.forwarding = forwarding;
        this.holds = holds;
        this.refundLimit = refundLimit;
        this.charged = charged;
        this.clock = clock;
        this.issuer = issuer;
        this.failures = failures;
    }

    static PayWordPayments start(GatewayConfig config, BrokerKeys keys, Ledger ledger, PaidForwarding forwarding,
                                 RefundHolds holds, RefundLimit refundLimit, Runnable charged, Clock clock,
                                 long cacheSize,
                                 FailedVerifications failures) {
        GatewayConfig.Broker broker = config.broker();
        PayWordVerifier verifier = new PayWordVerifier(keys, broker.issuer(), config.sellerId(),
                config.currency().getCurrencyCode(), broker.clockSkew(), clock, broker.keyRefresh(), cacheSize);
        return new PayWordPayments(verifier, ledger, forwarding, holds, refundLimit, charged, clock, broker.issuer(),
                failures);
    }

    /**
     * Answers a request paid with PayWord: forwards it once paid, otherwise a 402 (or a 503 when the ledger fails).
     * Exceptions of the seller's app reach the container as {@link ServletException}s, never as runtime exceptions
     * the filter would mistake for a payment it could not read.
     */
    void serve(HttpServletRequest request, HttpServletResponse response, FilterChain chain, Snapshot current,
               PriceRule rule, Credential.PayWordPayment payment, String path) throws IOException, ServletException {
        // A metered request only pays its word here (nothing consumed); its units are drawn from the credit later,
        // each final when charged: it holds nothing. A per-click charge is held back from the chain's claim before
        // it is made, until it is final or refunded (RefundHolds).
        RefundHold hold = rule.charge() == ChargeModel.METERED ? null
                : holds.chain(issuer, payment.commitmentId(), rule.price().micros());
        boolean endsLater = false;
        try {
            endsLater = chargeAndForward(request, response, chain, current, rule, payment, path, hold);
        } finally {
            if (hold != null && !endsLater) {
                hold.end();
            }
        }
    }

    /**
     * Checks and charges the payment and forwards the request. Returns whether the request went asynchronous with its
     * charge still refundable, in which case its listener ends the hold.
     */
    private boolean chargeAndForward(HttpServletRequest request, HttpServletResponse response, FilterChain chain,
                                     Snapshot current, PriceRule rule, Credential.PayWordPayment payment, String path,
                                     RefundHold hold) throws IOException, ServletException {
        boolean metered = hold == null;
        long price = metered ? 0 : rule.price().micros();
        ChainAccount account;
        ChainHead head;
        ChargeResult result;
        int maxStep = current.config.payword().maxStep();
        try {
            checkAcceptable(current, rule, payment);
            if (hold != null && refundLimit.exhausted(hold)) {
                throw new PaymentException(ErrorCode.TOO_MANY_REFUNDS, RefundLimit.refusal("chain")
                        + "; commit a new chain");
            }
            account = account(request, current, payment);
            if (payment.index() < 1 || payment.index() > account.length()) {
                throw new PaymentException(ErrorCode.INDEX_OUT_OF_RANGE, "index " + payment.index()
                        + " is outside the chain's 1 to " + account.length());
            }
            head = ledger.chainHead(account);
            result = null;
            ChainHead verified = null;
            // One request hashes at most 2 x max-step words in all, however often concurrent payments move the head.
            long hashed = 0;
            for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
                if (metered) {
                    checkMeteredMove(rule, account, head, payment.index());
                }
                if (verified == null || verified.index() != head.index()
                        || !Arrays.equals(verified.word(), head.word())) {
                    long step = checkStep(payment, head, maxStep);
                    if (hashed + step > 2L * maxStep) {
                        result = null;
                        break;
                    }
                    hashed += step;
                    checkWord(payment, head, step);
                    verified = head;
                }
                result = ledger.chargeChain(account, head, payment.index(), payment.word(), price, path);
                if (!(result instanceof ChargeResult.HeadMoved moved)) {
                    break;
                }
                head = moved.head();
            }
        } catch (PaymentException e) {
            Answers.paymentRequired(request, response, current, rule, e.code(), e.getMessage());
            return false;
        } catch (FailedVerifications.TooManyFailures e) {
            Answers.tooManyFailures(response, e);
            return false;
        } catch (LedgerUnavailableException | RuntimeException e) {
            // Fail closed: a ledger that cannot answer, or a bug, never lets the content through.
            LOG.error("Could not check or record a PayWord payment; refusing paid content for {}", path, e);
            Answers.unavailable(response, ErrorCode.LEDGER_UNAVAILABLE, "the seller cannot record payments right now");
            return false;
        }
        if (result == null || result instanceof ChargeResult.HeadMoved) {
            LOG.warn("PayWord payment for {} kept losing the chain's head to concurrent payments; asking to retry",
                    path);
            Answers.unavailable(response, ErrorCode.LEDGER_UNAVAILABLE, "the chain is busy; pay again");
            return false;
        }
        if (result instanceof ChargeResult.ChainRefused refused) {
            Answers.paymentRequired(request, response, current, rule, ErrorCode.INVALID_COMMITMENT,
                    refused.message());
            return false;
        }
        if (!(result instanceof ChargeResult.Charged paid)) {
            insufficient(request, response, current, rule, account, head, result.remainingMicros());
            return false;
        }
        verifier.remember(account); // recorded by the ledger now: commitments that paid nothing are not kept

        if (metered) {
            meter(request, response, chain, current, rule, account, path);
            return false;
        }
        charged.run();
        int headIndex = Math.max(head.index(), payment.index());
        return forward(request, response, chain, current, account, paid, headIndex, hold);
    }

    /** A verified commitment still cached, by id, or {@code null}: for tests and operations. */
    ChainAccount account(String commitmentId) throws PaymentException {
        return verifier.cached(commitmentId, Integer.MAX_VALUE);
    }

    /** What a cached read cannot know: the rule, the network and the price now. */
    private static void checkAcceptable(Snapshot current, PriceRule rule, Credential.PayWordPayment payment)
            throws PaymentException {
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
        if (!current.network.equals(payment.network())) {
            throw new PaymentException(ErrorCode.MALFORMED_PAYMENT, "network '" + payment.network()
                    + "' is not accepted here; pay on '" + current.network + "'");
        }
        if (payment.acceptedMicros() < rule.price().micros()) {
            throw new PaymentException(ErrorCode.PRICE_CHANGED, "the price is now " + rule.price() + "; you agreed to "
                    + Money.ofMicros(payment.acceptedMicros(), rule.price().currency()));
        }
    }

    /**
     * The verified commitment: sent along, cached, or reloaded from the ledger (after a restart) and verified. A
     * commitment sent along and not cached costs signature checks: only if its client has failures left, and a
     * failure counts against it ({@link FailedVerifications}).
     */
    private ChainAccount account(HttpServletRequest request, Snapshot current, Credential.PayWordPayment payment)
            throws PaymentException, LedgerUnavailableException, FailedVerifications.TooManyFailures {
        int maxLength = current.config.payword().maxChainLength();
        ChainAccount account;
        if (payment.commitment() != null) {
            account = verifier.cached(payment.commitmentId(), maxLength);
            if (account == null) {
                GatewayConfig.ClientLimits limits = current.config.clientLimits();
                String client = FailedVerifications.clientOf(request, limits);
                failures.check(client, limits);
                commitmentChecks.increment();
                try {
                    account = verifier.verify(payment.commitment(), maxLength);
                } catch (PaymentException e) {
                    if (e.code() != ErrorCode.BROKER_UNAVAILABLE) {
                        failures.failed(client, limits);
                    }
                    throw e;
                }
            }
        } else {
            account = verifier.cached(payment.commitmentId(), maxLength);
            if (account == null) {
                Optional<String> stored = ledger.commitment(issuer, payment.commitmentId());
                if (stored.isEmpty() || !PayWord.commitmentId(stored.get()).equals(payment.commitmentId())) {
                    throw new PaymentException(ErrorCode.UNKNOWN_COMMITMENT, "this seller does not know the "
                            + "commitment; send it again with 'commitment'");
                }
                account = verifier.verify(stored.get(), maxLength);
            }
        }
        if (!clock.instant().isBefore(account.expiresAt())) {
            throw new PaymentException(ErrorCode.EXPIRED_TOKEN, "the PayWord commitment has expired");
        }
        return account;
    }

    /** {@code |i - l|}, refused above {@code max-step}: the work is bounded before anything is hashed. */
    private static long checkStep(Credential.PayWordPayment payment, ChainHead head, int maxStep)
            throws PaymentException {
        int i = payment.index();
        int l = head.index();
        long step = Math.abs((long) i - l);
        if (step > maxStep) {
            throw new PaymentException(ErrorCode.STEP_TOO_LARGE, "index " + i + " is " + step + " words from the "
                    + "chain's head " + l + "; at most " + maxStep + " are accepted at once");
        }
        return step;
    }

    /** {@code w_i} must lie on the chain through the head, {@code step} words from it. */
    private void checkWord(Credential.PayWordPayment payment, ChainHead head, long step) throws PaymentException {
        int i = payment.index();
        hashSteps.add(step);
        // Above the head: w_i hashes down to w_l. At or below it: w_l hashes down to w_i (a word already revealed).
        boolean onChain = i > head.index() ? PayWord.reaches(payment.word(), (int) step, head.word())
                : PayWord.reaches(head.word(), (int) step, payment.word());
        if (!onChain) {
            throw new PaymentException(ErrorCode.INVALID_WORD, "the word at index " + i + " is not on this chain");
        }
    }

    /**
     * A metered payment consumes nothing itself, so it must leave at least one unit's price of credit: otherwise a
     * payment of no value could create chains (rows, journal records) without end. Checked before hashing and
     * before the ledger records the chain.
     */
    private static void checkMeteredMove(PriceRule rule, ChainAccount account, ChainHead head, int index)
            throws PaymentException {
        long unitPrice = rule.price().micros();
        long credit = index > head.index()
                ? head.creditMicros() + Math.multiplyExact((long) index - head.index(), account.unitMicros())
                : head.creditMicros();
        if (credit < unitPrice) {
            long missingWords = (unitPrice - credit + account.unitMicros() - 1) / account.unitMicros();
            throw new PaymentException(ErrorCode.INSUFFICIENT_BUDGET, "one unit costs " + rule.price() + " but this "
                    + "payment leaves the chain's credit at " + Money.ofMicros(credit, rule.price().currency())
                    + "; pay index " + (Math.max(index, head.index()) + missingWords) + " or higher"
                    + (head.index() == 0 ? " (nothing was recorded: send the commitment with it)" : ""));
        }
    }

    /**
     * A metered response paid from the chain's credit: the word was paid (the head moved, nothing consumed), and each
     * unit of body bytes is now charged from the credit before it is written. A unit charge never moves the head: it
     * names the head's own word, which needs no hashing; a head moved by a concurrent payment is simply taken over.
     */
    private void meter(HttpServletRequest request, HttpServletResponse response, FilterChain chain, Snapshot current,
                       PriceRule rule, ChainAccount account, String path) throws IOException, ServletException {
        ChainHead paidHead;
        try {
            paidHead = ledger.chainHead(account);
        } catch (LedgerUnavailableException | RuntimeException e) {
            LOG.error("Ledger unavailable; refusing metered content for {}", path, e);
            Answers.unavailable(response, ErrorCode.LEDGER_UNAVAILABLE, "the seller cannot record payments right now");
            return;
        }
        long unitMicros = rule.price().micros();
        UnitCharger fromChain = new UnitCharger() {
            private ChainHead head = paidHead;

            @Override
            public long remainingMicros() {
                return head.creditMicros();
            }

            @Override
            public ChargeResult chargeUnit() throws LedgerUnavailableException {
                ChargeResult result = null;
                for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
                    result = ledger.chargeChain(account, head, head.index(), head.word(), unitMicros, path);
                    if (!(result instanceof ChargeResult.HeadMoved moved)) {
                        return result;
                    }
                    head = moved.head();
                }
                return result;
            }
        };
        Metering.Payer payer = new Metering.Payer(account.buyer(), account.commitmentId(),
                Receipts.jsonString(account.buyer()));
        try {
            Metering.serve(request, response, chain, current, rule, payer, fromChain, charged,
                    request.getMethod());
        } catch (RuntimeException e) {
            throw new ServletException("the content failed", e);
        }
    }

    /** 402 {@code insufficient_budget}, naming the head so the client can pay a higher index. */
    private static void insufficient(HttpServletRequest request, HttpServletResponse response, Snapshot current,
                                     PriceRule rule, ChainAccount account, ChainHead head, long credit)
            throws IOException {
        long price = rule.price().micros();
        long missingUnits = (price - credit + account.unitMicros() - 1) / account.unitMicros();
        String message = "this costs " + rule.price() + " but the chain's credit is "
                + Money.ofMicros(credit, rule.price().currency()) + "; pay index " + (head.index() + missingUnits)
                + " or higher" + (head.index() == 0 ? " (nothing was recorded: send the commitment with it)" : "");
        Map<String, Object> chain = new LinkedHashMap<>();
        chain.put("commitmentId", account.commitmentId());
        chain.put("index", head.index());
        chain.put("credit", Long.toString(credit));
        chain.put("unit", Long.toString(account.unitMicros()));
        chain.put("length", account.length());
        PaymentRequired offer = Offers.offer(current.config, rule, Answers.requestUrl(request), null,
                ErrorCode.INSUFFICIENT_BUDGET, message, chain);
        Answers.send402(request, response, offer,
                () -> Offers.html(current.config, rule, ErrorCode.INSUFFICIENT_BUDGET, message));
    }

    /**
     * Like the scrip path's forwarding: the paid response keeps the receipt, refunds the chain's credit if the app
     * fails before content was sent, and keeps the charge once content is on its way.
     */
    private boolean forward(HttpServletRequest request, HttpServletResponse response, FilterChain chain,
                            Snapshot current, ChainAccount account, ChargeResult.Charged paid, int headIndex,
                            RefundHold hold) throws IOException, ServletException {
        request.setAttribute(Payment.REQUEST_ATTRIBUTE, new Payment(account.buyer(), account.commitmentId(),
                paid.amountMicros(), paid.remainingMicros(), current.currency, paid.receiptId()));
        String buyerJson = Receipts.jsonString(account.buyer());
        PaidResponse paidResponse = PaidResponse.withReceipt(response, forwarding, hold, current.network, buyerJson,
                paid, Receipts.payWord(current.network, buyerJson, paid.receiptId(), paid.amountMicros(),
                        paid.remainingMicros(), headIndex));
        try {
            return forwarding.forward(request, response, chain, paidResponse);
        } catch (RuntimeException e) {
            throw new ServletException("the content failed", e);
        }
    }
}
