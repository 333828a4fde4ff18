package dev.tollgate.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tollgate.broker.TestBrokers.Answer;

/**
 * Demo mode is fenced off (issue 9, hole 10): a database records whether it is a demo database, demo-only commands and
 * {@code POST /v1/accounts} are refused on one that is not, a demo database is refused by a start without demo mode,
 * and the database itself refuses a demo deposit unless it is a demo database.
 */
final class DemoDatabaseTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void aDatabaseServedWithoutDemoModeRefusesDemoStartsDemoBuyersAndAccountCreation() throws Exception {
        try (Broker broker = TestBrokers.builder(dir).build().start()) {
            Answer a = TestBrokers.post(broker, "/v1/accounts", "{}", null);
            assertThat(a.status()).isEqualTo(404);
            assertThat(a.text("error")).isEqualTo("not_found");
            assertThat(a.text("message")).contains("demo broker only");
            assertThat(catchThrowable(() -> broker.createDemoBuyer("alice", 1_000_000)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("demo");
        }

        assertThat(catchThrowable(() -> TestBrokers.builder(dir).demoMode(true).build()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("is not a demo database");
        assertThat(run("create-demo-buyer", "--data", dir.toString(), "--username", "alice")).isEqualTo(1);
        assertThat(err.toString()).contains("is not a demo database");
        try (Broker broker = TestBrokers.builder(dir).build()) {
            assertThat(broker.statements().totals().deposits()).as("no money appeared").isZero();
        }
    }

    @Test
    void aDemoDatabaseIsRefusedByAStartWithoutDemoMode() throws Exception {
        try (Broker broker = TestBrokers.startDemo(dir)) {
            TestBrokers.newBuyer(broker, 1_000_000);
        }

        assertThat(catchThrowable(() -> TestBrokers.builder(dir).build().start()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("is a demo database");
        assertThat(catchThrowable(() -> TestBrokers.builder(dir).demoMode(false).build()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("is a demo database");
        assertThat(run("register-seller", "--data", dir.toString(), "--id", "s1", "--name", "S", "--public-key",
                TestBrokers.newSellerKey(), "--origin", "https://s1.example")).as("administration works").isZero();

        try (Broker broker = TestBrokers.startDemo(dir)) {
            assertThat(TestBrokers.newBuyer(broker, 1_000_000).account()).startsWith("acct_");
            assertThat(broker.createDemoBuyer("alice", 1_000_000).username()).isEqualTo("alice");
        }
    }

    @Test
    void createDemoBuyerMakesANewDatabaseADemoDatabase() {
        assertThat(run("create-demo-buyer", "--data", dir.toString(), "--username", "alice")).isZero();

        assertThat(catchThrowable(() -> TestBrokers.builder(dir).build().start()))
                .hasMessageContaining("is a demo database");
        try (Broker broker = TestBrokers.builder(dir).demoMode(true).build().start()) {
            assertThat(TestBrokers.newBuyer(broker, 1_000).account()).startsWith("acct_");
        }
    }

    @Test
    void administrativeCommandsWorkOnEitherKindAndLeaveANewDatabaseUndecided() throws Exception {
        Path fresh = dir.resolve("fresh");
        assertThat(registerSeller(fresh, "s1")).isZero();
        assertThat(run("rotate-key", "--data", fresh.toString())).isZero();
        try (Broker broker = TestBrokers.builder(fresh).demoMode(true).build().start()) {
            assertThat(TestBrokers.newBuyer(broker, 1_000).account()).startsWith("acct_");
        }
        assertThat(registerSeller(fresh, "s2")).as(err.toString()).isZero();

        Path real = dir.resolve("real");
        assertThat(registerSeller(real, "s1")).isZero();
        TestBrokers.builder(real).sweepInterval(Duration.ZERO).build().start().close();
        assertThat(registerSeller(real, "s2")).as(err.toString()).isZero();
        assertThat(run("rotate-key", "--data", real.toString())).as(err.toString()).isZero();
        assertThat(run("create-demo-buyer", "--data", real.toString(), "--username", "alice")).isEqualTo(1);
    }

    @Test
    void theDatabaseItselfRefusesADemoDepositUnlessItIsADemoDatabase() throws Exception {
        try (Broker broker = TestBrokers.builder(dir).build().start()) {
            Throwable thrown = catchThrowable(() -> broker.accounts().createBuyer("acct_0000000000000001",
                    Secrets.sha256("k"), 1_000_000, "demo"));

            assertThat(thrown).isInstanceOf(SQLException.class).hasMessageContaining("not a demo database");
            assertThat(broker.statements().totals().deposits()).isZero();
            assertThat(broker.accounts().account("acct_0000000000000001", 1)).isEmpty();
        }
        // An undecided database (only administration has opened it) refuses one too.
        Path fresh = dir.resolve("fresh");
        try (Broker broker = TestBrokers.builder(fresh).build()) {
            assertThat(catchThrowable(() -> broker.accounts().createBuyer("acct_0000000000000001",
                    Secrets.sha256("k"), 1_000_000, "demo"))).hasMessageContaining("not a demo database");
        }
    }

    private int registerSeller(Path data, String id) {
        return run("register-seller", "--data", data.toString(), "--id", id, "--name", "S", "--public-key",
                TestBrokers.newSellerKey(), "--origin", "https://" + id + ".example");
    }

    private int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }
}
