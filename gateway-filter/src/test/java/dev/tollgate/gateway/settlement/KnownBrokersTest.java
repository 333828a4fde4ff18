package dev.tollgate.gateway.settlement;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class KnownBrokersTest {

    @TempDir
    Path dir;

    @Test
    void theFileIsOwnerOnlyAndReadsBackWhatWasWritten() throws Exception {
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        Path file = data.resolve(KnownBrokers.FILE_NAME);
        Files.writeString(file, "{\"brokers\":[]}"); // as an older gateway left it, readable by all
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        SettledBroker removed = new SettledBroker("second", "Second", "https://second.test",
                URI.create("https://second.test/v1/redemptions?key=secret"), URI.create("https://second.test/v1/cancel"),
                URI.create("https://second.test/v1/charges"), Optional.of(dir.resolve("trust.pem")));

        KnownBrokers known = new KnownBrokers(data);
        known.write(List.of(removed));

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(known.read()).containsExactly(removed);
        assertThat(data.resolve(KnownBrokers.FILE_NAME + ".tmp")).doesNotExist();
    }
}
