package dev.tollgate.buyer;

import dev.tollgate.protocol.CompactWord;
import dev.tollgate.protocol.PayWord;
import dev.tollgate.protocol.PaymentRequired;
import java.io.IOException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Pays with PayWord (docs/PROTOCOL.md section 8): one chain per seller and unit, from a secure random top word, its
 * words worth the offer's price each; a k-unit price reveals k words. Certificates of the wallet's key are bought
 * from the broker when no certificate has room for a new chain. Thread-safe: concurrent requests on one chain take
 * consecutive indices, as the gateway expects of parallel segment requests.
 */
final class PayWordPayments {

    /** The longest chain this client commits to (the gateway's own maximum, if lower, wins). */
    static final int DEFAULT_CHAIN_LENGTH = 1000;
    private static final long MARGIN_SECONDS = ScripPayments.MARGIN_SECONDS;
    private static final List<String> CHAIN_REFUSED = List.of("invalid_commitment", "invalid_certificate",
            "index_out_of_range", "step_too_large", "invalid_word", "expired_token", "too_many_refunds");

    private final BrokerApi broker;
    private final Wallet wallet;
    private final Budget budget;
    private final Clock clock;
    private final long certificateLimit;
    private final SecureRandom random = new SecureRandom();
    /** One commitment per seller and origin at a time (striped). */
    private final Object[] commitments = Locks.stripes();

    PayWordPayments(BrokerApi broker, Wallet wallet, Budget budget, Clock clock, long certificateLimit) {
        this.broker = broker;
        this.wallet = wallet;
        this.budget = budget;
        this.clock = clock;
        this.certificateLimit = certificateLimit;
    }

    /** A payment of {@code price} (the offer's, or a metered request's units) on a chain of the offer's seller. */
    Payment prepare(Offer offer, long price) throws IOException, InterruptedException, PaymentException {
        ChainEntry chain = chain(offer, price);
        PayWordState.Step step;
        Budget.Reservation money;
        synchronized (wallet) { // the words to reveal and their reservation are one step against other threads
            int words = chain.wordsFor(price);
            money = budget.reserve(offer.seller(), price, words * chain.unit);
            try {
                step = wallet.payword.reveal(chain, price);
            } catch (WalletException | RuntimeException e) {
                budget.settle(money, 0);
                throw e;
            }
        }
        return new PayWordPayment(step, price, money);
    }

    private ChainEntry chain(Offer offer, long price) throws IOException, InterruptedException, PaymentException {
        long unit = offer.priceMicros();
        Instant now = clock.instant();
        ChainEntry chain = wallet.payword.chainFor(offer, unit, price, now, MARGIN_SECONDS);
        if (chain != null) {
            return chain;
        }
        synchronized (Locks.of(commitments, offer.seller(), offer.origin())) {
            chain = wallet.payword.chainFor(offer, unit, price, clock.instant(), MARGIN_SECONDS);
            return chain != null ? chain : commit(offer, price);
        }
    }

    private ChainEntry commit(Offer offer, long price) throws IOException, InterruptedException, PaymentException {
        long unit = offer.priceMicros();
        int gatewayMax = offer.maxChainLength() > 0 ? offer.maxChainLength() : DEFAULT_CHAIN_LENGTH;
        long wanted = Math.min(gatewayMax, DEFAULT_CHAIN_LENGTH);
        long needWords = (price + unit - 1) / unit;
        Instant now = clock.instant();
        PayWordState.Certificate certificate = wallet.payword.certificateFor(needWords * unit, now, 600);
        if (certificate == null) {
            KeyPair key = wallet.payword.key();
            Map<String, Object> jwk = new LinkedHashMap<>();
            jwk.put("kty", "OKP");
            jwk.put("crv", "Ed25519");
            jwk.put("x", PayWordState.publicX(key));
            long limit = Math.min(ScripPayments.MAX_BUDGET, Math.max(certificateLimit, needWords * unit));
            BrokerApi.IssuedCertificate issued = broker.certify(jwk, limit, ScripPayments.TTL_SECONDS);
            certificate = new PayWordState.Certificate(issued.jws(), issued.id(), issued.limit(),
                    issued.expiresAt(), 0);
            wallet.payword.add(certificate);
        }
        int n = (int) Math.max(needWords, Math.min(wanted, (certificate.limit - certificate.committed) / unit));
        byte[] top = new byte[PayWord.WORD_BYTES];
        random.nextBytes(top);
        ChainEntry fresh = new ChainEntry(offer.seller(), offer.origin(), certificate.id, top, n, unit, null, null,
                certificate.expiresAt);
        String jws = Commitments.sign(wallet.payword.key().getPrivate(), offer.seller(), certificate.jws,
                fresh.word(0), n, unit, now.getEpochSecond(), certificate.expiresAt.getEpochSecond());
        ChainEntry chain = new ChainEntry(offer.seller(), offer.origin(), certificate.id, top, n, unit, jws,
                PayWord.commitmentId(jws), certificate.expiresAt);
        wallet.payword.add(chain, certificate);
        return chain;
    }

    private final class PayWordPayment implements Payment {

        private final PayWordState.Step step;
        private final long price;
        private final Budget.Reservation money;

        PayWordPayment(PayWordState.Step step, long price, Budget.Reservation money) {
            this.step = step;
            this.price = price;
            this.money = money;
        }

        @Override
        public Map<String, Object> payload() {
            ChainEntry chain = step.chain();
            Map<String, Object> payload = new LinkedHashMap<>();
            if (step.withCommitment()) {
                payload.put(PayWord.COMMITMENT, chain.commitment);
            } else {
                payload.put(PayWord.COMMITMENT_ID, chain.commitmentId);
            }
            payload.put(PayWord.INDEX, step.index());
            payload.put(PayWord.WORD, PayWord.encodeWord(chain.word(step.index())));
            return payload;
        }

        @Override
        public String compactWord(String brokerId, long amountMicros) {
            if (step.withCommitment()) { // the first word on a chain, or the first after unknown_commitment
                return null;
            }
            ChainEntry chain = step.chain();
            return new CompactWord(brokerId, chain.commitmentId, step.index(), chain.word(step.index()), amountMicros,
                    null).header();
        }

        @Override
        public long atRiskMicros() {
            return money.micros;
        }

        @Override
        public long mostChargeableMicros() {
            return money.micros;
        }

        @Override
        public boolean retryCannotChargeTwice() {
            synchronized (wallet) { // the word is paid already: a retry consumes only credit, which must not cover it
                return step.chain().credit() < price;
            }
        }

        @Override
        public boolean consumedUnseen(PaymentRequired refusal) {
            Map<String, Object> head = Offer.chainHead(refusal);
            return step.newWords() > 0 && head != null && head.get("index") instanceof Number index
                    && index.longValue() >= step.index() && head.get("credit") instanceof String credit
                    && dev.tollgate.protocol.Money.parseMicros(credit) < price;
        }

        @Override
        public void paid(long charged, long remaining) {
            wallet.payword.settle(step.chain(), price, charged, true);
            budget.settle(money, money.micros);
        }

        @Override
        public boolean refused(String code, PaymentRequired refusal) throws WalletException {
            ChainEntry chain = step.chain();
            wallet.payword.settle(chain, price, 0, false);
            budget.settle(money, money.micros); // the words were revealed: the gateway may hold them as credit
            if ("unknown_commitment".equals(code)) {
                wallet.payword.unrecorded(chain);
                return true;
            }
            if ("insufficient_budget".equals(code) || "price_changed".equals(code)) {
                Map<String, Object> head = Offer.chainHead(refusal);
                if (head != null && head.get("index") instanceof Number index
                        && head.get("credit") instanceof String credit) {
                    wallet.payword.resync(chain, index.longValue(), dev.tollgate.protocol.Money.parseMicros(credit));
                    if (index.longValue() == 0) {
                        wallet.payword.unrecorded(chain);
                    }
                }
                return true;
            }
            if (CHAIN_REFUSED.contains(code)) {
                wallet.payword.drop(chain);
                return true;
            }
            return false;
        }

        @Override
        public void lost() {
            wallet.payword.settle(step.chain(), price, price, false);
            budget.settle(money, money.micros);
        }
    }
}
