package dev.tollgate.gateway.settlement;

import dev.tollgate.gateway.ledger.ChargeResult;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.ledger.SqliteLedger;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The process {@link OnlineVoidsKillTest} kills: from 4 threads, charges scrip as an online rule would and refunds
 * every other charge through {@link OnlineVoids#refund} (void queued, then refunded), printing {@code charged <receipt>
 * $} and {@code refunded <receipt> $} once each is acknowledged. Runs until killed. With the argument {@code halt} it
 * halts itself inside the 40th refund, after its void was queued and before the ledger refunds it.
 *
 * <p>Arguments: the ledger file, the seller key folder, {@code loop} or {@code halt}.
 */
public final class OnlineVoidsKillChild {

    static final long BUDGET = 1_000_000_000_000L;
    static final int THREADS = 4;

    private OnlineVoidsKillChild() {
    }

    static ScripAccount scrip(int thread) {
        return new ScripAccount(FakeRedemptionBroker.ISSUER, "k" + thread, "buyer", FakeRedemptionBroker.SELLER,
                BUDGET, "USD", Instant.parse("2030-01-01T00:00:00Z"));
    }

    public static void main(String[] args) throws Exception {
        SqliteLedger ledger = SqliteLedger.open(Path.of(args[0]), SqliteLedger.Durability.PROCESS_CRASH_SAFE);
        // Never started: nothing is sent anywhere; the parent settles after the kill.
        Settler settler = new Settler(new Settler.Settings(URI.create("http://127.0.0.1:9/v1/redemptions"),
                FakeRedemptionBroker.SELLER, FakeRedemptionBroker.ISSUER, Duration.ofHours(1), 500,
                Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1)), ledger,
                SellerKey.loadOrCreate(Path.of(args[1])), Clock.systemUTC());
        OnlineVoids voids = settler.onlineVoids();
        boolean halt = args[2].equals("halt");
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            new Thread(() -> run(ledger, voids, thread, halt)).start();
        }
    }

    private static void run(SqliteLedger ledger, OnlineVoids voids, int thread, boolean halt) {
        ScripAccount scrip = scrip(thread);
        for (int i = 0; ; i++) {
            String receipt;
            try {
                receipt = ((ChargeResult.Charged) ledger.charge(scrip, 1_000, "/live/" + i)).receiptId();
            } catch (LedgerUnavailableException e) {
                throw new IllegalStateException(e);
            }
            print("charged " + receipt);
            if (i % 2 == 1) {
                continue;
            }
            boolean crash = halt && thread == 0 && i == 80;
            boolean refunded = voids.refund(receipt, scrip.jti(), () -> {
                if (crash) {
                    print("halting " + receipt);
                    Runtime.getRuntime().halt(0);
                }
                try {
                    return ledger.refund(receipt);
                } catch (LedgerUnavailableException e) {
                    return false;
                }
            });
            if (refunded) {
                print("refunded " + receipt);
            }
        }
    }

    private static synchronized void print(String line) {
        System.out.println(line + " $");
        System.out.flush();
    }
}
