package dev.tollgate.gateway.payment;

import dev.tollgate.gateway.http.ErrorCode;
import dev.tollgate.gateway.http.PaymentException;
import dev.tollgate.gateway.charge.Payer;
import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.PriceRule;
import dev.tollgate.gateway.settlement.RefundLimit;
import dev.tollgate.gateway.charge.UnitCharger;
import dev.tollgate.gateway.http.Answers;
import dev.tollgate.gateway.http.HtmlPages;
import dev.tollgate.gateway.http.Offers;
import dev.tollgate.gateway.http.PaidResponse;
import dev.tollgate.gateway.http.Receipts;
import dev.tollgate.gateway.http.RequestPaths;
import dev.tollgate.gateway.keys.PayWordVerifier;
import dev.tollgate.gateway.ledger.ChainAccount;
import dev.tollgate.gateway.ledger.ChainHead;
import dev.tollgate.gateway.ledger.ChargeResult;
import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.route.PricedRequest;
import dev.tollgate.gateway.settlement.RefundHold;
import dev.tollgate.gateway.settlement.RefundHolds;
import dev.tollgate.protocol.Money;
import dev.tollgate.protocol.PayWord;
import dev.tollgate.protocol.PaymentRequired;
import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PayWord payment {@code (i, w_i)} on a verified chain as the charge models see it (PROTOCOL.md section 8): a charge
 * checks the word against the chain's head and moves the head with one compare-and-set in the ledger, drawing the
 * price from the chain's credit. A payment whose head moved meanwhile is checked against the new head and tried
 * again, a bounded number of times and with at most {@code 2 x max-step} hashes in all; everything that bounds the
 * hashing comes before any hashing. Made per request by {@link PayWordScheme}; used by that request's thread.
 */
final class ChainPayer implements Payer {

    /** Head moves a payment may lose to concurrent payments on its chain before it gives up (503, retry). */
    static final int MAX_ATTEMPTS = 64;

    private static final Logger LOG = LoggerFactory.getLogger(ChainPayer.class);

    private final ChainAccount account;
    private final Credential.PayWordPayment payment;
    /** The buyer as a JSON string literal, made once a receipt needs it. */
    private String buyerJson;
    private final int maxStep;
    private final PayWordScheme.Chains chains;
    /** Whom a word that is not on the chain counts against. */
    private final PayingClient client;
    /** The chain's head as last read: what a refusal names. */
    private ChainHead head;

    ChainPayer(ChainAccount account, Credential.PayWordPayment payment, int maxStep, PayWordScheme.Chains chains,
               PayingClient client) {
        this.account = account;
        this.payment = payment;
        this.maxStep = maxStep;
        this.chains = chains;
        this.client = client;
    }

    @Override
    public String issuer() {
        return account.issuer();
    }

    @Override
    public String network() {
        return payment.network();
    }

    @Override
    public String buyer() {
        return account.buyer();
    }

    @Override
    public String paymentId() {
        return account.commitmentId();
    }

    @Override
    public String buyerJson() {
        if (buyerJson == null) {
            buyerJson = Receipts.jsonString(account.buyer());
        }
        return buyerJson;
    }

    @Override
    public RefundHold hold(long micros) {
        return chains.holds().chain(account.issuer(), payment.commitmentId(), micros);
    }

    @Override
    public String tooManyRefunds(PricedRequest priced) {
        return RefundLimit.refusal("chain") + "; commit a new chain";
    }

    /**
     * Pays the word and draws {@code micros} from the credit; {@code null} when the chain stayed busy. No payment
     * identifier is kept: a PayWord request sent again moves no head, but is charged from the chain's credit again
     * while that covers the price (PROTOCOL.md section 8), so clients resend one only when it does not.
     */
    @Override
    public ChargeResult charge(long micros, String resource, String sameRequest)
            throws PaymentException, LedgerUnavailableException {
        return pay(micros, resource, null);
    }

    /**
     * @param meteredUnit for a metered payment, which consumes nothing itself, its rule: the move must leave at least
     *     one unit's price of credit
     */
    private ChargeResult pay(long micros, String resource, PriceRule meteredUnit)
            throws PaymentException, LedgerUnavailableException {
        Ledger ledger = chains.ledger();
        head = ledger.chainHead(account);
        ChargeResult result = null;
        ChainHead verified = null;
        // One request hashes at most 2 x max-step words in all, however often concurrent payments move the head.
        long hashed = 0;
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            if (meteredUnit != null) {
                checkMeteredMove(meteredUnit, head);
            }
            if (verified == null || verified.index() != head.index()
                    || !Arrays.equals(verified.word(), head.word())) {
                long step = checkStep();
                if (hashed + step > 2L * maxStep) {
                    return null;
                }
                hashed += step;
                checkWord(step);
                verified = head;
            }
            result = ledger.chargeChain(account, head, payment.index(), payment.word(), micros, resource);
            if (!(result instanceof ChargeResult.HeadMoved moved)) {
                break;
            }
            head = moved.head();
        }
        if (result instanceof ChargeResult.Charged) {
            chains.verifier().remember(account); // recorded by the ledger now: commitments that paid nothing are not kept
        }
        return result;
    }

    /** {@code |i - l|}, refused above {@code max-step}: the work is bounded before anything is hashed. */
    private long checkStep() throws PaymentException {
        int i = payment.index();
        int l = head.index();
        long step = Math.abs((long) i - l);
        if (step > maxStep) {
            throw new PaymentException(ErrorCode.STEP_TOO_LARGE, "index " + i + " is " + step + " words from the "
                    + "chain's head " + l + "; at most " + maxStep + " are accepted at once");
        }
        return step;
    }

    /**
     * {@code w_i} must lie on the chain through the head, {@code step} words from it. A word that does not cost up to
     * {@code max-step} hashes and is no honest mistake (an honest buyer's words all lie on its chain, even those
     * already paid): it counts against the client as a bad signature does ({@link FailedVerifications}).
     */
    private void checkWord(long step) throws PaymentException {
        int i = payment.index();
        chains.hashSteps().add(step);
        // Above the head: w_i hashes down to w_l. At or below it: w_l hashes down to w_i (a word already revealed).
        boolean onChain = i > head.index() ? PayWord.reaches(payment.word(), (int) step, head.word())
                : PayWord.reaches(head.word(), (int) step, payment.word());
        if (!onChain) {
            chains.failures().failed(client.address(), client.limits());
            throw new PaymentException(ErrorCode.INVALID_WORD, "the word at index " + i + " is not on this chain");
        }
    }

    /**
     * A metered payment consumes nothing itself, so it must leave at least one unit's price of credit: otherwise a
     * payment of no value could create chains (rows, journal records) without end. Checked before hashing and
     * before the ledger records the chain.
     */
    private void checkMeteredMove(PriceRule rule, ChainHead head) throws PaymentException {
        int index = payment.index();
        long unitPrice = rule.price().micros();
        long credit = index > head.index()
                ? head.creditMicros() + Math.multiplyExact((long) index - head.index(), account.unitMicros())
                : head.creditMicros();
        if (credit < unitPrice) {
            long missingWords = (unitPrice - credit + account.unitMicros() - 1) / account.unitMicros();
            throw new PaymentException(ErrorCode.INSUFFICIENT_BUDGET, "one unit costs "
                    + rule.price().toDisplayString() + " but this "
                    + "payment leaves the chain's credit at "
                    + Money.ofMicros(credit, rule.price().currency()).toDisplayString()
                    + "; pay index " + (Math.max(index, head.index()) + missingWords) + " or higher"
                    + (head.index() == 0 ? " (nothing was recorded: send the commitment with it)" : ""));
        }
    }

    /**
     * A metered response paid from the chain's credit: the word is paid first (the head moves, nothing consumed),
     * then each unit of body bytes is charged from the credit before it is written. A unit charge never moves the
     * head: it names the head's own word, which needs no hashing; a head moved by a concurrent payment is simply
     * taken over.
     */
    @Override
    public UnitCharger meter(PricedRequest priced) throws IOException, PaymentException, LedgerUnavailableException {
        ChargeResult paid = pay(0, priced.path(), priced.rule());
        if (!(paid instanceof ChargeResult.Charged)) {
            refused(priced, paid);
            return null;
        }
        Ledger ledger = chains.ledger();
        ChainHead paidHead = ledger.chainHead(account);
        long unitMicros = priced.rule().price().micros();
        String path = priced.path();
        return new UnitCharger() {
            private ChainHead unitHead = paidHead;

            @Override
            public long remainingMicros() {
                return unitHead.creditMicros();
            }

            @Override
            public ChargeResult chargeUnit() throws LedgerUnavailableException {
                ChargeResult result = null;
                for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
                    result = ledger.chargeChain(account, unitHead, unitHead.index(), unitHead.word(), unitMicros,
                            path);
                    if (!(result instanceof ChargeResult.HeadMoved moved)) {
                        return result;
                    }
                    unitHead = moved.head();
                }
                return result;
            }
        };
    }

    @Override
    public ChargeResult chargeStream(long micros, String entitlement, Instant now, Instant until) {
        throw new IllegalStateException("PayWord pays no per-stream rule (PayWordScheme refuses them)");
    }

    @Override
    public PaymentException mayNotCharge() {
        return null;
    }

    @Override
    public String receipt(PricedRequest priced, ChargeResult.Charged charged) {
        return Receipts.payWord(payment.network(), buyerJson(), charged.receiptId(), charged.amountMicros(),
                charged.remainingMicros(), Math.max(head.index(), payment.index()));
    }

    @Override
    public void refused(PricedRequest priced, ChargeResult result) throws IOException {
        if (result == null || result instanceof ChargeResult.HeadMoved) {
            LOG.warn("PayWord payment for {} kept losing the chain's head to concurrent payments; asking to retry",
                    priced.path());
            Answers.unavailable(priced, ErrorCode.LEDGER_UNAVAILABLE, "the chain is busy; pay again");
        } else if (result instanceof ChargeResult.ChainRefused refused) {
            Answers.paymentRequired(priced, ErrorCode.INVALID_COMMITMENT, refused.message());
        } else {
            insufficient(priced, result.remainingMicros());
        }
    }

    /** 402 {@code insufficient_budget}, naming the head so the client can pay a higher index. */
    private void insufficient(PricedRequest priced, long credit) throws IOException {
        PriceRule rule = priced.rule();
        long price = rule.price().micros();
        long missingUnits = (price - credit + account.unitMicros() - 1) / account.unitMicros();
        String message = "this costs " + rule.price().toDisplayString() + " but the chain's credit is "
                + Money.ofMicros(credit, rule.price().currency()).toDisplayString() + "; pay index "
                + (head.index() + missingUnits)
                + " or higher" + (head.index() == 0 ? " (nothing was recorded: send the commitment with it)" : "");
        Map<String, Object> chain = new LinkedHashMap<>();
        chain.put("commitmentId", account.commitmentId());
        chain.put("index", head.index());
        chain.put("credit", Long.toString(credit));
        chain.put("unit", Long.toString(account.unitMicros()));
        chain.put("length", account.length());
        GatewayConfig config = priced.current().config;
        PaymentRequired offer = Offers.offer(config, rule, Answers.requestUrl(priced.request()),
                RequestPaths.upperCase(priced.request().getMethod()), null, ErrorCode.INSUFFICIENT_BUDGET, message,
                chain);
        Answers.refusing(priced.request(), ErrorCode.INSUFFICIENT_BUDGET);
        Answers.send402(priced.request(), priced.response(), offer,
                () -> HtmlPages.paywall(config, rule, null, ErrorCode.INSUFFICIENT_BUDGET, message, List.of(), false,
                        null));
    }

    @Override
    public boolean admitsOnline(PricedRequest priced) {
        throw new IllegalStateException("PayWord pays no online rule (PayWordScheme refuses them)");
    }

    @Override
    public String confirmOnline(PricedRequest priced, ChargeResult.Charged charged, RefundHold hold) {
        throw new IllegalStateException("PayWord pays no online rule (PayWordScheme refuses them)");
    }

    @Override
    public PaidResponse.Refunder refunder(String confirmation) {
        return chains.forwarding();
    }
}
