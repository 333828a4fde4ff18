package dev.tollgate.gateway.ledger;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The process {@link SqliteLedgerKillTest} kills: charges as fast as it can from 4 threads and prints each charge
 * (and each refund) only after the ledger acknowledged it, as {@code ack <receipt> <jti> <amount> $} and
 * {@code refund <receipt> $}. Runs until killed.
 *
 * <p>Arguments: database file, durability, and optionally the materializer interval in ms, the materializer batch
 * (a power of two) and the journal segment size in bytes, so a run can be killed with a large unfolded journal.
 *
 * <p>With {@code -Dtollgate.kill.mode=streams} it buys streams instead, printing {@code stream <receipt> <buyer>
 * <stream> $} per acknowledged charge; with {@code chains} it pays PayWord chains one word at a time, printing
 * {@code chain <receipt> <chain> <amount> <index> $} per acknowledged charge; with {@code ids} it charges under x402
 * payment identifiers, printing {@code id <receipt> <jti> <amount> <identifier> <resource> $} per acknowledged charge.
 */
public final class LedgerKillChild {

    static final String ISSUER = "https://broker.example";
    static final String[] JTIS = {"k0", "k1", "k2", "k3", "k4"};
    /** k4 is small: it runs out, gets refunds back, and runs out again while the process is killed. */
    static final long[] BUDGETS = {50_000_000, 50_000_000, 50_000_000, 50_000_000, 600};
    static final Instant STREAM_NOW = Instant.parse("2026-11-25T12:00:00Z");
    static final Instant STREAM_UNTIL = STREAM_NOW.plusSeconds(4 * 3600);
    static final int BUYERS = 7;
    static final int CHAINS = 3;
    static final long UNIT = 10;

    private LedgerKillChild() {
    }

    static ScripAccount scrip(int index) {
        return new ScripAccount(ISSUER, JTIS[index], "buyer", "seller", BUDGETS[index], "EUR",
                Instant.parse("2030-01-01T00:00:00Z"));
    }

    static ScripAccount streamScrip(int buyer) {
        return new ScripAccount(ISSUER, "stream-scrip-" + buyer, "buyer-" + buyer, "seller", 1_000_000_000L, "EUR",
                Instant.parse("2030-01-01T00:00:00Z"));
    }

    static ChainAccount chain(int index) {
        return new ChainAccount(ISSUER, "commitment-" + index, "jws-" + index, "buyer", "seller", 10_000_000, UNIT,
                "EUR", Instant.parse("2030-01-01T00:00:00Z"), word(0), "cert-" + index, 10_000_000 * UNIT,
                "jti-" + index);
    }

    /** Not a real hash chain: the ledger leaves verifying words to its caller. */
    static byte[] word(int index) {
        byte[] word = new byte[32];
        for (int i = 0; i < 4; i++) {
            word[i] = (byte) (index >>> (8 * i));
        }
        word[31] = 1;
        return word;
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        SqliteLedger.Durability durability = SqliteLedger.Durability.valueOf(args[1]);
        LedgerTuning tuning = LedgerTuning.DEFAULTS;
        if (args.length > 2) {
            tuning = tuning.withMaterializeIntervalMillis(Long.parseLong(args[2]))
                    .withMaterializeBatch(Integer.parseInt(args[3]))
                    .withSegmentBytes(Integer.parseInt(args[4]));
        }
        SqliteLedger ledger = SqliteLedger.open(file, durability, tuning);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int thread = t;
            String mode = System.getProperty("tollgate.kill.mode", "charges");
            Runnable work = switch (mode) {
                case "streams" -> () -> streams(ledger, thread);
                case "chains" -> () -> chains(ledger, thread);
                case "ids" -> () -> identified(ledger, thread);
                default -> () -> charge(ledger, thread);
            };
            Thread worker = new Thread(work, "charger-" + t);
            worker.start();
            threads.add(worker);
        }
        for (Thread worker : threads) {
            worker.join();
        }
    }

    private static void charge(Ledger ledger, int thread) {
        ScripAccount[] scrip = new ScripAccount[JTIS.length];
        for (int i = 0; i < scrip.length; i++) {
            scrip[i] = scrip(i);
        }
        try {
            for (long i = 0; ; i++) {
                int index = (int) ((i + thread) % scrip.length);
                long amount = 1 + (i * 7 + thread) % 9;
                ChargeResult result = ledger.charge(scrip[index], amount, "/kill/" + i);
                if (result instanceof ChargeResult.Charged charged) {
                    System.out.println("ack " + charged.receiptId() + " " + JTIS[index] + " " + amount + " $");
                    if (i % 50 == 0 && ledger.refund(charged.receiptId())) {
                        System.out.println("refund " + charged.receiptId() + " $");
                    }
                }
            }
        } catch (LedgerUnavailableException e) {
            e.printStackTrace();
            System.exit(2);
        }
    }

    private static void identified(Ledger ledger, int thread) {
        try {
            for (long i = 0; ; i++) {
                int index = thread; // the big scrip k0..k3, one per thread
                long amount = 1 + (i * 7 + thread) % 9;
                String id = String.format("pay_%d_%016d", thread, i);
                String resource = "/ids/" + i % 100;
                ChargeResult result = ledger.charge(scrip(index), amount, resource, id);
                if (result instanceof ChargeResult.Charged charged) {
                    System.out.println("id " + charged.receiptId() + " " + JTIS[index] + " " + amount + " " + id + " "
                            + resource + " $");
                }
            }
        } catch (LedgerUnavailableException e) {
            e.printStackTrace();
            System.exit(2);
        }
    }

    private static void streams(Ledger ledger, int thread) {
        try {
            for (long i = 0; ; i++) {
                int buyer = (int) ((i / 2 + thread) % BUYERS);
                String stream = "/videos/" + thread + "-" + i / 2; // every stream asked for twice by its buyer
                ChargeResult result = ledger.chargeStream(streamScrip(buyer), 5, stream, STREAM_NOW, STREAM_UNTIL);
                if (result instanceof ChargeResult.Charged charged) {
                    System.out.println("stream " + charged.receiptId() + " buyer-" + buyer + " " + stream + " $");
                }
            }
        } catch (LedgerUnavailableException e) {
            e.printStackTrace();
            System.exit(2);
        }
    }

    private static void chains(Ledger ledger, int thread) {
        try {
            for (long i = 0; ; i++) {
                ChainAccount chain = chain((int) ((i + thread) % CHAINS));
                ChainHead head = ledger.chainHead(chain);
                int index = head.index() + 1;
                ChargeResult result = ledger.chargeChain(chain, head, index, word(index), UNIT, "/live/" + i % 10);
                if (result instanceof ChargeResult.Charged charged) {
                    System.out.println("chain " + charged.receiptId() + " " + chain.commitmentId() + " " + UNIT + " "
                            + index + " $");
                    if (i % 50 == 0 && ledger.refund(charged.receiptId())) {
                        System.out.println("refund " + charged.receiptId() + " $");
                    }
                }
            }
        } catch (LedgerUnavailableException e) {
            e.printStackTrace();
            System.exit(2);
        }
    }
}
