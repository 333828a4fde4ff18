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
 */
public final class LedgerKillChild {

    static final String ISSUER = "https://broker.example";
    static final String[] JTIS = {"k0", "k1", "k2", "k3", "k4"};
    /** k4 is small: it runs out, gets refunds back, and runs out again while the process is killed. */
    static final long[] BUDGETS = {50_000_000, 50_000_000, 50_000_000, 50_000_000, 600};

    private LedgerKillChild() {
    }

    static ScripAccount scrip(int index) {
        return new ScripAccount(ISSUER, JTIS[index], "buyer", "seller", BUDGETS[index], "EUR",
                Instant.parse("2030-01-01T00:00:00Z"));
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        SqliteLedger.Durability durability = SqliteLedger.Durability.valueOf(args[1]);
        SqliteLedger.Tuning tuning = SqliteLedger.Tuning.DEFAULTS;
        if (args.length > 2) {
            tuning = tuning.withMaterializeIntervalMillis(Long.parseLong(args[2]))
                    .withMaterializeBatch(Integer.parseInt(args[3]))
                    .withSegmentBytes(Integer.parseInt(args[4]));
        }
        SqliteLedger ledger = SqliteLedger.open(file, durability, tuning);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int thread = t;
            Thread worker = new Thread(() -> charge(ledger, thread), "charger-" + t);
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
}
