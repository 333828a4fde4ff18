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
}
