package dev.tollgate.gateway.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Kills a charging JVM with SIGKILL and checks nothing acknowledged is lost and nothing can be spent twice. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class SqliteLedgerKillTest {

    private static final int ACKS_BEFORE_KILL = 2_000;
    private static final String EOF = "\u0000eof";

    @TempDir
    Path dir;

    private record Ack(String jti, long amount) {
    }

    /**
     * Each durability mode twice: with the default materializer (killed while charges are in flight and the
     * materializer folds in the background), and with a materializer that never runs before the kill and 64 KiB
     * segments (killed with every charge only in the journal, across many rolled-over segments).
     */
    static Stream<Arguments> runs() {
        return Stream.of(SqliteLedger.Durability.values()).flatMap(d -> Stream.of(
                Arguments.of(d, List.of()),
                Arguments.of(d, List.of("600000", String.valueOf(1 << 30), String.valueOf(64 << 10)))));
    }

    @ParameterizedTest
    @MethodSource("runs")
    void aKilledProcessLosesNoAcknowledgedChargeAndAllowsNoDoubleSpend(SqliteLedger.Durability durability,
                                                                       List<String> tuning) throws Exception {
        Path file = dir.resolve("ledger.db");
        Map<String, Ack> acks = new HashMap<>();
        Set<String> refunds = new HashSet<>();
        for (String line : killChild(file, durability, tuning, "charges")) {
            record(line, acks, refunds);
        }
        assertThat(acks.size()).isGreaterThanOrEqualTo(ACKS_BEFORE_KILL);
        long journalFiles = journalFiles();
        if (!tuning.isEmpty()) {
            assertThat(journalFiles).as("journal segments left by the kill").isGreaterThan(1);
        }

        // Recovery: opening folds the killed process's journal into SQLite before it returns.
        SqliteLedger.open(file, durability).close();
        assertThat(journalFiles()).isZero();

        Map<String, LedgerFixtures.StoredCharge> stored = LedgerFixtures.charges(file);
        for (Map.Entry<String, Ack> ack : acks.entrySet()) {
            LedgerFixtures.StoredCharge charge = stored.get(ack.getKey());
            assertThat(charge).as("acknowledged receipt %s", ack.getKey()).isNotNull();
            assertThat(charge.jti()).isEqualTo(ack.getValue().jti());
            assertThat(charge.amount()).isEqualTo(ack.getValue().amount());
        }
        for (String refund : refunds) {
            assertThat(stored.get(refund).refunded()).as("acknowledged refund %s", refund).isTrue();
        }
        long[] spent = new long[LedgerKillChild.JTIS.length];
        try (Connection c = LedgerFixtures.connect(file);
             PreparedStatement ps = c.prepareStatement("SELECT budget, spent FROM scrip WHERE issuer = ? AND jti = ?")) {
            for (int i = 0; i < spent.length; i++) {
                ps.setString(1, LedgerKillChild.ISSUER);
                ps.setString(2, LedgerKillChild.JTIS[i]);
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getLong(1)).isEqualTo(LedgerKillChild.BUDGETS[i]);
                    spent[i] = rs.getLong(2);
                }
                String jti = LedgerKillChild.JTIS[i];
                long net = stored.values().stream().filter(s -> s.jti().equals(jti) && !s.refunded())
                        .mapToLong(LedgerFixtures.StoredCharge::amount).sum();
                assertThat(spent[i]).as("spent of %s", jti).isEqualTo(net).isLessThanOrEqualTo(LedgerKillChild.BUDGETS[i]);
            }
        }

        try (SqliteLedger ledger = SqliteLedger.open(file, durability)) {
            for (int i = 0; i < spent.length; i++) {
                ScripAccount scrip = LedgerKillChild.scrip(i);
                long remaining = LedgerKillChild.BUDGETS[i] - spent[i];
                assertThat(ledger.remaining(scrip)).isEqualTo(remaining);
                assertThat(ledger.charge(scrip, remaining, "/rest")).isInstanceOf(ChargeResult.Charged.class);
                assertThat(ledger.charge(scrip, 1, "/more")).isEqualTo(new ChargeResult.Insufficient(0));
            }
        }
        for (int i = 0; i < spent.length; i++) {
            assertThat(LedgerFixtures.stored(file, LedgerKillChild.JTIS[i]).spent())
                    .isEqualTo(LedgerKillChild.BUDGETS[i]);
        }
        System.out.printf("%s %s: %d acknowledged charges, %d refunds, %d receipts recovered, %d journal files "
                + "at the kill%n", durability, tuning, acks.size(), refunds.size(), stored.size(), journalFiles);
    }

    @ParameterizedTest
    @MethodSource("runs")
    void aKilledProcessKeepsThePaymentIdentifiersOfItsAcknowledgedCharges(SqliteLedger.Durability durability,
                                                                         List<String> tuning) throws Exception {
        Path file = dir.resolve("ledger.db");
        List<String[]> paid = new ArrayList<>(); // receipt, jti, amount, identifier, resource
        for (String line : killChild(file, durability, tuning, "ids")) {
            String[] fields = line.split(" ");
            if (fields.length == 7 && fields[0].equals("id") && fields[6].equals("$")) {
                paid.add(java.util.Arrays.copyOfRange(fields, 1, 6));
            }
        }
        assertThat(paid.size()).isGreaterThanOrEqualTo(ACKS_BEFORE_KILL);

        try (SqliteLedger ledger = SqliteLedger.open(file, durability)) {
            for (String[] charge : paid) {
                ScripAccount scrip = LedgerKillChild.scrip(List.of(LedgerKillChild.JTIS).indexOf(charge[1]));
                long amount = Long.parseLong(charge[2]);
                assertThat(ledger.charge(scrip, amount, charge[4], charge[3]))
                        .as("the same payment again: %s", charge[3])
                        .isEqualTo(new ChargeResult.Replayed(charge[0], amount, ledger.remaining(scrip)));
            }
        }
        System.out.printf("%s %s: %d acknowledged charges under payment identifiers%n", durability, tuning,
                paid.size());
    }

    @ParameterizedTest
    @MethodSource("runs")
    void aKilledProcessLosesNoAcknowledgedEntitlement(SqliteLedger.Durability durability, List<String> tuning)
            throws Exception {
        Path file = dir.resolve("ledger.db");
        Map<String, String> entitled = new HashMap<>(); // "buyer stream" -> receipt
        for (String line : killChild(file, durability, tuning, "streams")) {
            List<String> fields = List.of(line.split(" "));
            if (fields.size() == 5 && fields.get(0).equals("stream") && fields.get(4).equals("$")) {
                assertThat(entitled.put(fields.get(2) + " " + fields.get(3), fields.get(1)))
                        .as("a second charge for %s %s", fields.get(2), fields.get(3)).isNull();
            }
        }
        assertThat(entitled.size()).isGreaterThanOrEqualTo(ACKS_BEFORE_KILL);

        try (SqliteLedger ledger = SqliteLedger.open(file, durability)) {
            for (Map.Entry<String, String> entry : entitled.entrySet()) {
                String[] key = entry.getKey().split(" ");
                ScripAccount scrip = LedgerKillChild.streamScrip(Integer.parseInt(key[0].substring("buyer-".length())));
                ChargeResult result = ledger.chargeStream(scrip, 5, key[1], LedgerKillChild.STREAM_NOW.plusSeconds(1),
                        LedgerKillChild.STREAM_UNTIL);
                assertThat(result).as("entitlement of %s", entry.getKey()).isInstanceOfSatisfying(
                        ChargeResult.Entitled.class, e -> {
                            assertThat(e.receiptId()).isEqualTo(entry.getValue());
                            assertThat(e.until()).isEqualTo(LedgerKillChild.STREAM_UNTIL);
                        });
            }
        }
        System.out.printf("%s %s: %d acknowledged stream charges%n", durability, tuning, entitled.size());
    }

    @ParameterizedTest
    @MethodSource("runs")
    void aKilledProcessLosesNoAcknowledgedChainPaymentNorHead(SqliteLedger.Durability durability, List<String> tuning)
            throws Exception {
        Path file = dir.resolve("ledger.db");
        Map<String, String> chainOf = new HashMap<>(); // receipt -> commitment id
        Map<String, Integer> highest = new HashMap<>(); // commitment id -> highest index acknowledged
        Set<String> refunds = new HashSet<>();
        for (String line : killChild(file, durability, tuning, "chains")) {
            List<String> fields = List.of(line.split(" "));
            if (fields.size() == 6 && fields.get(0).equals("chain")) {
                chainOf.put(fields.get(1), fields.get(2));
                highest.merge(fields.get(2), Integer.parseInt(fields.get(4)), Math::max);
            } else if (fields.size() == 3 && fields.get(0).equals("refund")) {
                refunds.add(fields.get(1));
            }
        }
        assertThat(chainOf.size()).isGreaterThanOrEqualTo(ACKS_BEFORE_KILL);

        SqliteLedger.open(file, durability).close();
        Map<String, LedgerFixtures.StoredCharge> stored = LedgerFixtures.charges(file);
        for (Map.Entry<String, String> ack : chainOf.entrySet()) {
            LedgerFixtures.StoredCharge charge = stored.get(ack.getKey());
            assertThat(charge).as("acknowledged chain charge %s", ack.getKey()).isNotNull();
            assertThat(charge.jti()).isEqualTo(ack.getValue());
            assertThat(charge.amount()).isEqualTo(LedgerKillChild.UNIT);
            if (refunds.contains(ack.getKey())) { // a refund still in flight at the kill may or may not be kept
                assertThat(charge.refunded()).as("acknowledged refund %s", ack.getKey()).isTrue();
            }
        }
        try (SqliteLedger ledger = SqliteLedger.open(file, durability)) {
            for (int i = 0; i < LedgerKillChild.CHAINS; i++) {
                ChainAccount chain = LedgerKillChild.chain(i);
                ChainHead head = ledger.chainHead(chain);
                long net = stored.values().stream().filter(c -> c.jti().equals(chain.commitmentId()) && !c.refunded())
                        .mapToLong(LedgerFixtures.StoredCharge::amount).sum();
                assertThat(head.index()).as("head of %s", chain.commitmentId())
                        .isGreaterThanOrEqualTo(highest.getOrDefault(chain.commitmentId(), 0));
                assertThat(head.word()).isEqualTo(LedgerKillChild.word(head.index()));
                assertThat(head.spentMicros()).isEqualTo(net).isLessThanOrEqualTo(head.paidMicros());
                int next = head.index() + 1;
                assertThat(ledger.chargeChain(chain, head, next, LedgerKillChild.word(next),
                        head.creditMicros() + LedgerKillChild.UNIT, "/after")).isInstanceOf(ChargeResult.Charged.class);
                assertThat(ledger.chainHead(chain).creditMicros()).isZero();
            }
        }
        System.out.printf("%s %s: %d acknowledged chain charges, %d refunds%n", durability, tuning, chainOf.size(),
                refunds.size());
    }

    /**
     * Runs {@link LedgerKillChild} in {@code mode}, kills it with SIGKILL after {@link #ACKS_BEFORE_KILL} complete
     * lines, and returns every complete line it printed (each an acknowledged operation).
     */
    private List<String> killChild(Path file, SqliteLedger.Durability durability, List<String> tuning, String mode)
            throws Exception {
        Path stderr = dir.resolve("child-stderr.txt");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dtollgate.kill.mode=" + mode,
                "-cp", System.getProperty("java.class.path"), LedgerKillChild.class.getName(),
                file.toString(), durability.name()));
        command.addAll(tuning);
        Process child = new ProcessBuilder(command)
                .redirectError(stderr.toFile())
                .start();
        List<String> complete = new ArrayList<>();
        int acks = 0;
        try {
            BlockingQueue<String> lines = readLines(child);
            boolean killed = false;
            while (true) {
                long left = deadline - System.nanoTime();
                String line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
                if (line == null) {
                    fail("child gave " + complete.size() + " acknowledgements before the deadline; stderr:\n"
                            + Files.readString(stderr));
                }
                if (line.equals(EOF)) {
                    break;
                }
                // A line cut short by the kill was never a complete acknowledgement.
                if (line.endsWith(" $")) {
                    complete.add(line);
                    if (!line.startsWith("refund ")) {
                        acks++;
                    }
                }
                if (!killed && acks >= ACKS_BEFORE_KILL) {
                    child.destroyForcibly(); // SIGKILL: no shutdown hooks, no close()
                    killed = true;
                }
            }
            if (!killed) {
                fail("child exited on its own with " + complete.size() + " acknowledgements; stderr:\n"
                        + Files.readString(stderr));
            }
            assertThat(child.waitFor(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)).isTrue();
        } finally {
            child.destroyForcibly();
        }
        long journalFiles = journalFiles();
        if (!tuning.isEmpty()) {
            assertThat(journalFiles).as("journal segments left by the kill").isGreaterThan(1);
        }
        return complete;
    }

    private long journalFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().matches("ledger\\.db\\.journal-[0-9]+")).count();
        }
    }

    private static void record(String line, Map<String, Ack> acks, Set<String> refunds) {
        List<String> fields = List.of(line.split(" "));
        if (fields.size() == 5 && fields.get(0).equals("ack") && fields.get(4).equals("$")) {
            acks.put(fields.get(1), new Ack(fields.get(2), Long.parseLong(fields.get(3))));
        } else if (fields.size() == 3 && fields.get(0).equals("refund") && fields.get(2).equals("$")) {
            refunds.add(fields.get(1));
        }
        // Anything else is a line cut short by the kill: it was never a complete acknowledgement.
    }

    /** Lines of the child's stdout, then {@link #EOF}; a daemon thread so a stuck pipe cannot hang the test. */
    private static BlockingQueue<String> readLines(Process child) {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the pipe broke with the process: what was read is what was acknowledged
            } finally {
                lines.add(EOF);
            }
        }, "kill-test-reader");
        reader.setDaemon(true);
        reader.start();
        return lines;
    }
}
