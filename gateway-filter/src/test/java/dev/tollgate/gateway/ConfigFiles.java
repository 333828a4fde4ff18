package dev.tollgate.gateway;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes config files for the tests that load them, and reads their problems. */
final class ConfigFiles {

    private ConfigFiles() {
    }

    /** Writes {@code yaml} to {@code gateway.yaml} in {@code dir}. */
    static Path write(Path dir, String yaml) throws IOException {
        Path file = dir.resolve("gateway.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    /** What loading {@code yaml} from {@code gateway.yaml} in {@code dir} refuses; {@code null} if it loads. */
    static InvalidConfigException problemsOf(Path dir, String yaml) throws IOException {
        Path file = write(dir, yaml);
        return (InvalidConfigException) org.assertj.core.api.Assertions.catchThrowable(() -> GatewayConfig.load(file));
    }

    /** Writes {@link ConfigLoaderTest#HEADER} and {@code rules} to {@code gateway.yaml} in {@code dir}. */
    static Path writeRules(Path dir, String rules) throws IOException {
        return write(dir, ConfigLoaderTest.HEADER + rules);
    }

    /** The problems loading {@code file} reports; fails the test if it loads. */
    static java.util.List<String> problemsOf(Path file) {
        InvalidConfigException e = (InvalidConfigException) org.assertj.core.api.Assertions.catchThrowable(
                () -> GatewayConfig.load(file));
        org.assertj.core.api.Assertions.assertThat(e).as("the config should have been refused").isNotNull();
        return e.problems();
    }
}
