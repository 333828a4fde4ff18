package dev.tollgate.site;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class OptionsTest {

    @Test
    void theDefaultsAreTheDocumentedPortsAndFolders() {
        Options options = Options.parse(List.of());

        assertThat(options.port()).isEqualTo(8443);
        assertThat(options.brokerPort()).isEqualTo(8444);
        assertThat(options.secondBrokerPort()).isEqualTo(8445);
        assertThat(options.httpPort()).isEqualTo(8080);
        assertThat(options.data()).isEqualTo(Path.of("data"));
        assertThat(options.config()).isEqualTo(Path.of("config/gateway.yaml"));
        assertThat(options.settleInterval()).isNull();
    }

    @Test
    void everyFlagIsRead() {
        Options options = Options.parse(List.of("--port", "9443", "--broker-port=9444", "--http-port", "9080",
                "--second-broker-port", "9445", "--data", "/tmp/x", "--settle-interval", "5", "--config", "c.yaml"));

        assertThat(options).isEqualTo(new Options(9443, 9444, 9445, 9080, Path.of("/tmp/x"), Path.of("c.yaml"),
                Duration.ofSeconds(5)));
    }

    @Test
    void aBadFlagIsNamed() {
        assertThatThrownBy(() -> Options.parse(List.of("--port", "99999"))).hasMessageContaining("--port")
                .hasMessageContaining("1 to 65535");
        assertThatThrownBy(() -> Options.parse(List.of("--prot", "1"))).hasMessageContaining("unknown option --prot");
        assertThatThrownBy(() -> Options.parse(List.of("--data"))).hasMessageContaining("--data needs a value");
        assertThatThrownBy(() -> Options.parse(List.of("--port", "1", "--port", "2")))
                .hasMessageContaining("more than once");
        assertThatThrownBy(() -> Options.parse(List.of("--port", "8444"))).hasMessageContaining("must differ");
        assertThatThrownBy(() -> Options.parse(List.of("--second-broker-port", "8444")))
                .hasMessageContaining("must differ");
        assertThatThrownBy(() -> Options.parse(List.of("--settle-interval", "0")))
                .hasMessageContaining("--settle-interval");
    }

    @Test
    void helpPrintsTheUsageAndAUsageErrorExitsWithTwo() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int help = Main.run(List.of("--help"), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        int bad = Main.run(List.of("--nope", "1"), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(help).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("--port 8443", "--broker-port 8444", "--second-broker-port 8445", "--data",
                "--settle-interval");
        assertThat(bad).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown option --nope");
    }

    @Test
    void redisMakesTheSiteNode1AndNodeNListensTenPortsHigherWithoutBrokers() {
        Options first = Options.parse(List.of("--redis", "redis://127.0.0.1:6379"));
        Options second = Options.parse(List.of("--redis", "rediss://redis.internal:6380/2", "--node", "2"));

        assertThat(first.cluster().number()).isEqualTo(1);
        assertThat(first.cluster().redis()).hasToString("redis://127.0.0.1:6379");
        assertThat(first.runsBrokers()).isTrue();
        assertThat(first.sitePort()).isEqualTo(8443);
        assertThat(second.cluster().redis()).hasToString("rediss://redis.internal:6380/2");
        assertThat(second.runsBrokers()).isFalse();
        assertThat(second.sitePort()).isEqualTo(8453);
        assertThat(second.siteHttpPort()).isEqualTo(8090);
        assertThat(second.cluster().nodeData(Path.of("data"))).isEqualTo(Path.of("data", "node-2"));
        assertThat(Options.parse(List.of()).cluster()).isNull();
    }

    @Test
    void aPasswordInTheRedisUriIsRefusedNeverShownAndPointsToThePasswordFile() {
        // argv is readable by every user of the machine (ps): the password must come from a file.
        for (String uri : List.of("redis://tollgate:s3cret%21pw@127.0.0.1:6379", "redis://:s3cret@127.0.0.1:6379",
                "redis://:s3/cret@127.0.0.1:6379")) {
            assertThatThrownBy(() -> Options.parse(List.of("--redis", uri))).as(uri)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--redis-password-file")
                    .hasMessageNotContaining("s3cret").hasMessageNotContaining("cret@");
        }
        Options user = Options.parse(List.of("--redis", "redis://tollgate@127.0.0.1:6379"));
        assertThat(user.cluster().redis()).hasToString("redis://127.0.0.1:6379");
        assertThat(user.cluster().username()).contains("tollgate");
        assertThat(ClusterNode.masked("redis://u:pa/ss@h:1/2")).isEqualTo("redis://***@h:1/2");
    }

    @Test
    void aBadRedisUriOrAClusterFlagWithoutRedisIsNamedAndExitsWithTwo() throws Exception {
        assertThatThrownBy(() -> Options.parse(List.of("--redis", "http://127.0.0.1:6379")))
                .hasMessageContaining("--redis must be a URI like redis://127.0.0.1:6379");
        assertThatThrownBy(() -> Options.parse(List.of("--redis", "redis://:s3cret@ bad host")))
                .hasMessageContaining("--redis").hasMessageNotContaining("s3cret").hasMessageContaining("//***@");
        assertThatThrownBy(() -> Options.parse(List.of("--redis", "redis://127.0.0.1:6379?timeout=1")))
                .hasMessageContaining("--redis");
        assertThatThrownBy(() -> Options.parse(List.of("--node", "2"))).hasMessageContaining("--node")
                .hasMessageContaining("--redis");
        assertThatThrownBy(() -> Options.parse(List.of("--redis", "redis://h:1", "--node", "10")))
                .hasMessageContaining("--node must be a whole number from 1 to 9");
        assertThatThrownBy(() -> Options.parse(List.of("--redis", "redis://h:1", "--node", "2", "--port", "8434")))
                .hasMessageContaining("must differ").hasMessageContaining("node 2 listens on --port + 10");
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int status = Main.run(List.of("--redis", "localhost:6379"), new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(status).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--redis must be a URI like redis://");
    }
}
