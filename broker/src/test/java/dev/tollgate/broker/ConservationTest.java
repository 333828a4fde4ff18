package dev.tollgate.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tollgate.broker.TestBrokers.Answer;
import dev.tollgate.broker.TestBrokers.Buyer;
import dev.tollgate.protocol.PayWord;
import dev.tollgate.protocol.PayWordChain;

/**
 * Money is conserved: after every step of a seeded random sequence of account creations, top-ups, scrip issues (some
 * overdrafts, some for unknown sellers), concurrent bursts, redemption batches (over-claims, stale claims, other
 * sellers' and unknown scrip, retried and duplicated batches), online charges (within and beyond the budget, on
 * other sellers', unknown and expired scrip, retried), voids of online charges (recorded, voided before, never
 * charged; on active and returned scrip), PayWord certificates (some overdrafts) and PayWord claims
 * (higher, replayed and lower indexes, forged words, other sellers', expired and over-committed certificates),
 * clock advances and expiry sweeps,
 * sum(balance) + sum(reserved) + sum(seller credits) equals sum(deposits), every seller's credit equals the sum of
 * its redemptions, and every buyer's balance, every seller's credit and every redemption result match a model.
 *
 * <p>{@code mvn verify} runs 300 operations of one seed; {@code -Dtollgate.conservation.seed=N} and
 * {@code -Dtollgate.conservation.steps=N} run another or a longer sequence (broker/README.md), and a failure names the
 * seed and length that replay it.
 */
final class ConservationTest {

    /** System property: the seed of the sequence (default {@value #DEFAULT_SEED}); a failure names the one it ran. */
    static final String SEED_PROPERTY = "tollgate.conservation.seed";
    /** System property: how many operations the sequence has (default {@value #DEFAULT_STEPS}). */
    static final String STEPS_PROPERTY = "tollgate.conservation.steps";
    private static final long DEFAULT_SEED = 20240611L;
    private static final int DEFAULT_STEPS = 300;
    private static final int BURST = 5;
    private static final Duration GRACE = Duration.ofHours(1);

    /** The model of one scrip. */
    private static final class ModelScrip {
        final String jti;
        final Buyer buyer;
        final String seller;
        final long budget;
        final long expiresAt;
        long redeemed;
        boolean returned;

        ModelScrip(String jti, Buyer buyer, String seller, long budget, long expiresAt) {
            this.jti = jti;
            this.buyer = buyer;
            this.seller = seller;
            this.budget = budget;
            this.expiresAt = expiresAt;
        }
    }

    /** The model of one online charge the broker recorded. */
    private static final class ModelCharge {
        final String jti;
        final TestSellers.Key seller;
        final ModelScrip scrip;
        final long amount;
        boolean voided;

        ModelCharge(String jti, TestSellers.Key seller, ModelScrip scrip, long amount) {
            this.jti = jti;
            this.seller = seller;
            this.scrip = scrip;
            this.amount = amount;
        }
    }

    /** The model of one PayWord certificate. */
    private static final class ModelCert {
        final String cert;
        final Buyer buyer;
        final KeyPair key;
        final long limit;
        final long expiresAt;
        long redeemed;
        boolean returned;

        ModelCert(String cert, Buyer buyer, KeyPair key, long limit, long expiresAt) {
            this.cert = cert;
            this.buyer = buyer;
            this.key = key;
            this.limit = limit;
            this.expiresAt = expiresAt;
        }
    }

    /** The model of one commitment: its chain and what it was credited. */
    private record ModelCommitment(ModelCert cert, String seller, PayWordChain chain, long unit, String jws,
                                   long[] credited) {
    }

    @TempDir
    Path dir;

    @Test
    void moneyIsConservedAcrossARandomSequenceOfOperations() throws Exception {
        long seed = Long.getLong(SEED_PROPERTY, DEFAULT_SEED);
        int steps = Integer.getInteger(STEPS_PROPERTY, DEFAULT_STEPS);
        try {
            run(seed, steps);
        } catch (Throwable e) {
            throw new AssertionError("money conservation failed with seed " + seed + " after up to " + steps
                    + " operations; replay: -D" + SEED_PROPERTY + "=" + seed + " -D" + STEPS_PROPERTY + "=" + steps, e);
        }
    }

    private void run(long seed, int steps) throws Exception {
        Random random = new Random(seed);
        // Online charges draw from their own sequence, so the rest of the seeded sequence is unchanged.
        Random chargeRandom = new Random(seed + 1);
        // So do PayWord operations, and voids.
        Random paywordRandom = new Random(seed + 2);
        Random voidRandom = new Random(seed + 3);
        List<ModelCharge> recorded = new ArrayList<>();
        java.util.Set<String> voidOutcomes = new java.util.TreeSet<>();
        List<ModelCert> certs = new ArrayList<>();
        List<ModelCommitment> commitments = new ArrayList<>();
        java.util.Set<String> paywordOutcomes = new java.util.TreeSet<>();
        java.util.Set<Integer> chargeStatuses = new java.util.TreeSet<>();
        Map<Buyer, long[]> model = new HashMap<>(); // buyer -> {balance, reserved}
        Map<String, Long> credits = new HashMap<>(); // seller -> credited
        List<Buyer> buyers = new ArrayList<>();
        List<ModelScrip> scrip = new ArrayList<>();
        MutableClock clock = new MutableClock();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (Broker broker = TestBrokers.builder(dir).demoMode(true).clock(clock).settlementGrace(GRACE)
                .sweepInterval(Duration.ZERO).build().start()) {
            List<TestSellers.Key> sellers = List.of(TestSellers.register(broker, TestBrokers.SELLER),
                    TestSellers.register(broker, "other-news"));
            sellers.forEach(k -> credits.put(k.id(), 0L));
            for (int i = 0; i < steps; i++) {
                int op = buyers.isEmpty() ? 0 : random.nextInt(14);
                if (op == 0) {
                    long deposit = 1 + random.nextInt(3_000_000);
                    Buyer b = TestBrokers.newBuyer(broker, deposit);
                    buyers.add(b);
                    model.put(b, new long[] {deposit, 0});
                } else if (op == 1) {
                    Buyer b = buyers.get(random.nextInt(buyers.size()));
                    long amount = 1 + random.nextInt(1_000_000);
                    broker.accounts().deposit(b.account(), amount, "test");
                    model.get(b)[0] += amount;
                } else if (op <= 6) {
                    Buyer b = buyers.get(random.nextInt(buyers.size()));
                    String seller = random.nextInt(20) == 0 ? "unknown-seller"
                            : sellers.get(random.nextInt(2)).id();
                    long budget = 1 + random.nextInt(800_000);
                    Answer a = TestBrokers.issue(broker, b, seller, budget);
                    long[] m = model.get(b);
                    if (!seller.equals("unknown-seller") && budget <= m[0]) {
                        assertThat(a.status()).isEqualTo(201);
                        m[0] -= budget;
                        m[1] += budget;
                        scrip.add(new ModelScrip(a.text("jti"), b, seller, budget,
                                Instant.parse(a.text("expiresAt")).getEpochSecond()));
                    } else {
                        assertThat(a.status()).isIn(404, 409);
                    }
                } else if (op <= 10) {
                    redeem(broker, random, clock, sellers.get(random.nextInt(2)), scrip, model, credits);
                    chargeStatuses.add(charge(broker, chargeRandom, clock, sellers.get(chargeRandom.nextInt(2)),
                            "c-" + i, scrip, model, credits, recorded));
                    voidOutcomes.addAll(voidSome(broker, voidRandom, clock, sellers, recorded, model, credits));
                } else if (op == 11) {
                    clock.advance(Duration.ofMinutes(1 + random.nextInt(90)));
                } else if (op == 12) {
                    long now = clock.instant().getEpochSecond();
                    int due = 0;
                    for (ModelScrip s : scrip) {
                        if (!s.returned && s.expiresAt + GRACE.getSeconds() <= now) {
                            giveBack(s, model);
                            due++;
                        }
                    }
                    for (ModelCert c : certs) {
                        if (!c.returned && c.expiresAt + GRACE.getSeconds() <= now) {
                            giveBack(c, model);
                            due++;
                        }
                    }
                    assertThat(broker.returnExpiredScrip()).isEqualTo(due);
                } else {
                    Buyer b = buyers.get(random.nextInt(buyers.size()));
                    long budget = 1 + random.nextInt(400_000);
                    List<Future<Answer>> burst = new ArrayList<>();
                    for (int k = 0; k < BURST; k++) {
                        burst.add(pool.submit(() -> TestBrokers.issue(broker, b, TestBrokers.SELLER, budget)));
                    }
                    long[] m = model.get(b);
                    long expected = Math.min(BURST, m[0] / budget);
                    int issued = 0;
                    for (Future<Answer> f : burst) {
                        Answer a = f.get();
                        if (a.status() == 201) {
                            issued++;
                            scrip.add(new ModelScrip(a.text("jti"), b, TestBrokers.SELLER, budget,
                                    Instant.parse(a.text("expiresAt")).getEpochSecond()));
                        }
                    }
                    assertThat(issued).isEqualTo(expected);
                    m[0] -= issued * budget;
                    m[1] += issued * budget;
                }
                if (!buyers.isEmpty()) {
                    payword(broker, paywordRandom, clock, sellers, buyers, certs, commitments, model, credits,
                            paywordOutcomes);
                }
                assertThat(broker.statements().totals().conserved()).as("after operation %d", i).isTrue();
                for (Map.Entry<String, long[]> e : broker.statements().creditsBySeller().entrySet()) {
                    assertThat(e.getValue()[0]).as("credit of %s after operation %d", e.getKey(), i)
                            .isEqualTo(e.getValue()[1]).isEqualTo(credits.get(e.getKey()));
                }
            }
            Statements.Totals totals = broker.statements().totals();
            long modelDeposits = 0;
            for (Buyer b : buyers) {
                long[] m = model.get(b);
                Accounts.Account account = broker.accounts().account(b.account(), 1).orElseThrow();
                assertThat(account.balance()).as("balance of %s", b.account()).isEqualTo(m[0]);
                assertThat(account.reserved()).as("reserved of %s", b.account()).isEqualTo(m[1]);
                modelDeposits += m[0] + m[1];
            }
            // Money out of the buyers' hands is now with the sellers.
            modelDeposits += credits.values().stream().mapToLong(Long::longValue).sum();
            assertThat(totals.deposits()).isEqualTo(modelDeposits);
            assertThat(totals.balances() + totals.reserved() + totals.credited()).isEqualTo(totals.deposits());
            if (seed != DEFAULT_SEED || steps != DEFAULT_STEPS) {
                return; // what follows checks that the default sequence reaches every path, not money
            }
            assertThat(totals.reserved()).isPositive();
            assertThat(totals.credited()).isPositive();
            assertThat(scrip.stream().filter(s -> s.returned)).isNotEmpty();
            assertThat(scrip.stream().filter(s -> s.redeemed == s.budget)).isNotEmpty();
            assertThat(chargeStatuses).contains(200, 403, 404, 409, 410);
            assertThat(voidOutcomes).contains("voided:active", "voided:returned", "unchanged", "not_charged");
            assertThat(certs.stream().filter(c -> c.returned)).isNotEmpty();
            assertThat(paywordOutcomes).contains("certificate:201", "certificate:409", "credited", "capped",
                    "unchanged", "refused:expired", "refused:invalid_word", "refused:wrong_seller");
        } finally {
            pool.shutdownNow();
        }
    }

    private static void giveBack(ModelCert c, Map<Buyer, long[]> model) {
        long[] m = model.get(c.buyer);
        m[0] += c.limit - c.redeemed;
        m[1] -= c.limit - c.redeemed;
        c.returned = true;
    }

    /**
     * One PayWord step: nothing, a certificate (sometimes beyond the balance), or a claim on a new or known
     * commitment (higher, equal or lower index; sometimes a forged word or another seller's batch), checked against
     * the model.
     */
    private static void payword(Broker broker, Random random, MutableClock clock, List<TestSellers.Key> sellers,
                                List<Buyer> buyers, List<ModelCert> certs, List<ModelCommitment> commitments,
                                Map<Buyer, long[]> model, Map<String, Long> credits, java.util.Set<String> outcomes)
            throws Exception {
        int op = random.nextInt(6);
        long now = clock.instant().getEpochSecond();
        if (op == 0) {
            Buyer b = buyers.get(random.nextInt(buyers.size()));
            long limit = 1 + random.nextInt(1_500_000);
            KeyPair key = TestSellers.newKeyPair();
            Answer a = TestPayWord.certify(broker, b, key, limit);
            long[] m = model.get(b);
            if (limit <= m[0]) {
                assertThat(a.status()).as(a.body()).isEqualTo(201);
                m[0] -= limit;
                m[1] += limit;
                certs.add(new ModelCert(a.text("certificate"), b, key, limit,
                        Instant.parse(a.text("expiresAt")).getEpochSecond()));
            } else {
                assertThat(a.status()).as(a.body()).isEqualTo(409);
            }
            outcomes.add("certificate:" + a.status());
            return;
        }
        if (op > 2 || certs.isEmpty()) {
            return;
        }
        ModelCommitment c;
        if (commitments.isEmpty() || random.nextInt(3) == 0) {
            ModelCert cert = certs.get(Math.max(0, certs.size() - 1 - random.nextInt(Math.min(certs.size(), 4))));
            int n = 1 + random.nextInt(50);
            // Units up to the whole limit: several commitments on one certificate over-commit it.
            long unit = 1 + random.nextInt((int) Math.max(1, cert.limit / n));
            PayWordChain chain = PayWordChain.generate(n, new java.security.SecureRandom());
            String seller = sellers.get(random.nextInt(2)).id();
            String jws = TestPayWord.commit(cert.key, seller, cert.cert, PayWord.encodeWord(chain.root()), n, unit,
                    now, cert.expiresAt);
            c = new ModelCommitment(cert, seller, chain, unit, jws, new long[] {0, 0});
            commitments.add(c);
        } else {
            c = commitments.get(Math.max(0, commitments.size() - 1 - random.nextInt(Math.min(commitments.size(), 6))));
        }
        int index = 1 + random.nextInt(c.chain().length());
        boolean forged = random.nextInt(10) == 0;
        boolean wrongSeller = random.nextInt(10) == 0;
        TestSellers.Key batchSeller = sellers.stream().filter(k -> k.id().equals(c.seller()) != wrongSeller)
                .findFirst().orElseThrow();
        byte[] word = c.chain().word(index);
        if (forged) {
            word[5] ^= 0x20;
        }
        ObjectNode result = TestPayWord.only(TestPayWord.redeem(broker, batchSeller, now,
                List.of(TestPayWord.claim(c.jws(), index, PayWord.encodeWord(word)))));
        ModelCert cert = c.cert();
        String expected;
        if (wrongSeller) {
            expected = "refused:wrong_seller";
        } else if (forged) {
            expected = "refused:invalid_word";
        } else if (cert.returned || cert.expiresAt + GRACE.getSeconds() <= now) {
            if (!cert.returned) {
                giveBack(cert, model);
            }
            expected = "refused:expired";
        } else {
            long owed = index * c.unit() - c.credited()[0];
            long delta = Math.min(owed, cert.limit - cert.redeemed);
            if (delta > 0) {
                c.credited()[0] += delta;
                c.credited()[1] = Math.max(c.credited()[1], index);
                cert.redeemed += delta;
                model.get(cert.buyer)[1] -= delta;
                credits.merge(c.seller(), delta, Long::sum);
                expected = "credited:" + delta + ":" + c.credited()[0] + ":" + c.credited()[1];
                outcomes.add(delta < owed ? "capped" : "credited");
            } else {
                expected = "unchanged:0:" + c.credited()[0] + ":" + c.credited()[1];
            }
        }
        String status = result.get("status").asText();
        String actual = status.equals("refused") ? "refused:" + result.get("reason").asText()
                : status + ":" + result.get("credited").asText() + ":" + result.get("redeemed").asText() + ":"
                + result.get("index").asLong();
        assertThat(actual).as(result.toString()).isEqualTo(expected);
        outcomes.add(status.equals("credited") ? "credited" : expected.split(":0:")[0]);
    }

    private static void giveBack(ModelScrip s, Map<Buyer, long[]> model) {
        long[] m = model.get(s.buyer);
        m[0] += s.budget - s.redeemed;
        m[1] -= s.budget - s.redeemed;
        s.returned = true;
    }

    /** One batch of 1 to 6 claims, checked claim by claim against the model, then retried or duplicated. */
    private static void redeem(Broker broker, Random random, MutableClock clock, TestSellers.Key seller,
                               List<ModelScrip> scrip, Map<Buyer, long[]> model, Map<String, Long> credits) {
        Map<String, String> claims = new LinkedHashMap<>();
        Map<String, String> expected = new LinkedHashMap<>();
        long now = clock.instant().getEpochSecond();
        int n = 1 + random.nextInt(6);
        for (int k = 0; k < n; k++) {
            if (scrip.isEmpty() || random.nextInt(10) == 0) {
                claims.put("unknown-" + random.nextInt(1000), "1");
                continue;
            }
            // Mostly recent scrip, sometimes old ones.
            int index = random.nextInt(4) == 0 ? random.nextInt(scrip.size())
                    : Math.max(0, scrip.size() - 1 - random.nextInt(Math.min(scrip.size(), 8)));
            ModelScrip s = scrip.get(index);
            // Mostly plausible cumulative amounts, sometimes over-claims, sometimes stale (lower) ones.
            long spent = switch (random.nextInt(5)) {
                case 0 -> s.budget + random.nextInt(1_000_000);
                case 1 -> random.nextInt((int) Math.max(1, s.redeemed + 1));
                default -> s.redeemed + random.nextInt((int) Math.max(1, s.budget - s.redeemed + 1));
            };
            claims.put(s.jti, Long.toString(spent));
        }
        for (Map.Entry<String, String> c : claims.entrySet()) {
            ModelScrip s = scrip.stream().filter(x -> x.jti.equals(c.getKey())).findFirst().orElse(null);
            if (s == null) {
                expected.put(c.getKey(), "refused:unknown_scrip");
            } else if (!s.seller.equals(seller.id())) {
                expected.put(c.getKey(), "refused:wrong_seller");
            } else if (s.returned || s.expiresAt + GRACE.getSeconds() <= now) {
                if (!s.returned) {
                    giveBack(s, model);
                }
                expected.put(c.getKey(), "refused:expired");
            } else {
                long delta = Math.min(Long.parseLong(c.getValue()), s.budget) - s.redeemed;
                if (delta > 0) {
                    s.redeemed += delta;
                    model.get(s.buyer)[1] -= delta;
                    credits.merge(seller.id(), delta, Long::sum);
                    expected.put(c.getKey(), "credited:" + delta + ":" + s.redeemed);
                } else {
                    expected.put(c.getKey(), "unchanged:0:" + s.redeemed);
                }
            }
        }
        String jws = TestSellers.sign(seller.pair().getPrivate(),
                TestSellers.header(seller.kid(), Settlement.REDEMPTION_TYPE), TestSellers.batch(seller, now, claims));
        assertThat(outcomes(TestSellers.post(broker, jws))).isEqualTo(expected);
        // A retry of the same batch, or a new batch with the same claims, pays nothing more.
        Map<String, String> again = new LinkedHashMap<>();
        expected.forEach((jti, outcome) -> again.put(jti, outcome.startsWith("credited:")
                ? "unchanged:0:" + outcome.split(":")[2] : outcome));
        int repeat = random.nextInt(3);
        if (repeat == 1) {
            assertThat(outcomes(TestSellers.post(broker, jws))).isEqualTo(again);
        } else if (repeat == 2) {
            assertThat(outcomes(TestSellers.redeem(broker, seller, now, claims))).isEqualTo(again);
        }
    }

    /**
     * Sometimes voids one to three charge ids (recorded ones, mostly recent, some voided before; and ids never
     * charged), checked against the model: a recorded charge goes back to its buyer's reservation, or to the
     * balance if its scrip was returned.
     */
    private static List<String> voidSome(Broker broker, Random random, MutableClock clock,
                                         List<TestSellers.Key> sellers, List<ModelCharge> recorded,
                                         Map<Buyer, long[]> model, Map<String, Long> credits) {
        if (random.nextInt(3) != 0) {
            return List.of();
        }
        TestSellers.Key seller = sellers.get(random.nextInt(2));
        Map<String, String> expected = new LinkedHashMap<>();
        int n = 1 + random.nextInt(3);
        for (int k = 0; k < n; k++) {
            ModelCharge c = recorded.isEmpty() || random.nextInt(5) == 0 ? null
                    : recorded.get(random.nextInt(4) == 0 ? random.nextInt(recorded.size())
                            : Math.max(0, recorded.size() - 1 - random.nextInt(Math.min(recorded.size(), 6))));
            if (c == null || !c.seller.id().equals(seller.id())) {
                String id = c == null ? "never-" + random.nextInt(1_000_000) : c.jti;
                boolean ours = recorded.stream().anyMatch(x -> x.jti.equals(id) && x.seller.id().equals(seller.id()));
                if (!ours && !expected.containsKey(id)) {
                    expected.put(id, "not_charged");
                }
                continue;
            }
            if (expected.containsKey(c.jti)) {
                continue;
            }
            if (c.voided) {
                expected.put(c.jti, "unchanged");
                continue;
            }
            c.voided = true;
            c.scrip.redeemed -= c.amount;
            long[] m = model.get(c.scrip.buyer);
            m[c.scrip.returned ? 0 : 1] += c.amount;
            credits.merge(seller.id(), -c.amount, Long::sum);
            expected.put(c.jti, "voided:" + (c.scrip.returned ? "returned" : "active"));
        }
        if (expected.isEmpty()) {
            return List.of();
        }
        Answer a = OnlineVoidsTest.voidCharges(broker, seller, clock.instant().getEpochSecond(),
                expected.keySet().toArray(String[]::new));
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        Map<String, String> actual = new LinkedHashMap<>();
        for (JsonNode r : a.json().get("results")) {
            actual.put(r.get("charge").asText(), r.get("status").asText());
        }
        Map<String, String> plain = new LinkedHashMap<>();
        expected.forEach((id, outcome) -> plain.put(id, outcome.split(":")[0]));
        assertThat(actual).isEqualTo(plain);
        return List.copyOf(expected.values());
    }

    /** One online charge checked against the model, sometimes retried (same answer, charged once). */
    private static int charge(Broker broker, Random random, MutableClock clock, TestSellers.Key seller, String jti,
                               List<ModelScrip> scrip, Map<Buyer, long[]> model, Map<String, Long> credits,
                               List<ModelCharge> recorded) {
        long now = clock.instant().getEpochSecond();
        ModelScrip s = scrip.isEmpty() || random.nextInt(10) == 0 ? null
                : scrip.get(Math.max(0, scrip.size() - 1 - random.nextInt(Math.min(scrip.size(), 8))));
        String scripJti = s == null ? "unknown-" + random.nextInt(1000) : s.jti;
        long amount = s == null ? 1 : 1 + random.nextInt((int) Math.max(1, (s.budget - s.redeemed) * 5 / 4));
        Answer a = OnlineChargesTest.post(broker, OnlineChargesTest.sign(seller,
                OnlineChargesTest.claims(seller, now, jti, scripJti, Long.toString(amount))));
        if (s == null) {
            assertThat(a.status()).as(a.body()).isEqualTo(404);
        } else if (!s.seller.equals(seller.id())) {
            assertThat(a.status()).as(a.body()).isEqualTo(403);
        } else if (s.returned || s.expiresAt <= now) {
            assertThat(a.status()).as(a.body()).isEqualTo(410);
        } else if (amount > s.budget - s.redeemed) {
            assertThat(a.status()).as(a.body()).isEqualTo(409);
            assertThat(a.text("remaining")).isEqualTo(Long.toString(s.budget - s.redeemed));
        } else {
            assertThat(a.status()).as(a.body()).isEqualTo(200);
            s.redeemed += amount;
            model.get(s.buyer)[1] -= amount;
            credits.merge(seller.id(), amount, Long::sum);
            assertThat(a.text("redeemed")).isEqualTo(Long.toString(s.redeemed));
            recorded.add(new ModelCharge(jti, seller, s, amount));
            if (random.nextInt(3) == 0) {
                Answer retry = OnlineChargesTest.post(broker, OnlineChargesTest.sign(seller,
                        OnlineChargesTest.claims(seller, now, jti, scripJti, Long.toString(amount))));
                assertThat(retry.json()).isEqualTo(a.json());
            }
        }
        return a.status();
    }

    private static Map<String, String> outcomes(Answer a) {
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonNode r : a.json().get("results")) {
            String status = r.get("status").asText();
            out.put(r.get("jti").asText(), status.equals("refused") ? "refused:" + r.get("reason").asText()
                    : status + ":" + r.get("credited").asText() + ":" + r.get("redeemed").asText());
        }
        return out;
    }
}
