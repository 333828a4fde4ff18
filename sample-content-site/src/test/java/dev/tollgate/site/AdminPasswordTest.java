package dev.tollgate.site;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminPasswordTest {

    @TempDir
    Path dir;

    @Test
    void aPasswordIsGeneratedOnceStoredHashedAndOwnerOnly() throws Exception {
        AdminPassword.Loaded first = AdminPassword.load(dir);
        AdminPassword.Loaded second = AdminPassword.load(dir);

        String clear = first.generated().orElseThrow();
        assertThat(clear).hasSizeGreaterThanOrEqualTo(20);
        assertThat(second.generated()).isEmpty();
        assertThat(second.password().matches(clear)).isTrue();
        assertThat(second.password().matches(clear + "!")).isFalse();
        Path file = dir.resolve(AdminPassword.FILE);
        assertThat(Files.readString(file)).startsWith("pbkdf2-sha256:" + AdminPassword.ITERATIONS + ":")
                .doesNotContain(clear);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    @Test
    void aConfiguredHashWinsOverTheFile() throws Exception {
        String hash = AdminPassword.hash("correct horse battery staple");
        System.setProperty(AdminPassword.HASH_PROPERTY, hash);
        try {
            AdminPassword.Loaded loaded = AdminPassword.load(dir);

            assertThat(loaded.generated()).isEmpty();
            assertThat(loaded.password().matches("correct horse battery staple")).isTrue();
            assertThat(Files.exists(dir.resolve(AdminPassword.FILE))).isFalse();
        } finally {
            System.clearProperty(AdminPassword.HASH_PROPERTY);
        }
    }

    @Test
    void aMalformedHashIsRefusedNamingWhereItCameFrom() {
        assertThatThrownBy(() -> AdminPassword.parse("md5:abc", "the test"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("the test")
                .hasMessageContaining("pbkdf2-sha256:<iterations>:<salt>:<hash>");
        assertThatThrownBy(() -> AdminPassword.parse("pbkdf2-sha256:10:AAAAAAAAAAA:AAAA", "x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 10000 iterations");
    }

    @Test
    void aPasswordFileOthersMayReadIsRefused() throws Exception {
        AdminPassword.load(dir);
        Files.setPosixFilePermissions(dir.resolve(AdminPassword.FILE), PosixFilePermissions.fromString("rw-rw----"));

        assertThatThrownBy(() -> AdminPassword.load(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("group or others");
    }
}
