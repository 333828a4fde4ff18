package dev.tollgate.gateway.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The official x402 v2 client libraries ({@code @x402/core}, {@code @x402/fetch}), pinned once in
 * {@code gateway-filter/src/test/x402/package-lock.json}, installed by {@code npm ci} into a module's
 * {@code target/x402} next to the scripts that use them, and run by Node.js. Needs {@code node} and {@code npm} on
 * the PATH (.ci/run installs them).
 */
public final class OfficialX402 {

    /** The pinned libraries, from a module directory of this project. */
    public static final Path PINNED = Path.of("..", "gateway-filter", "src", "test", "x402");

    /** The installed lock file, written after a successful install: a changed pin installs anew. */
    private static final String INSTALLED = ".tollgate-installed-lock.json";

    private final Path work;

    private OfficialX402(Path work) {
        this.work = work;
    }

    /**
     * Copies the pinned {@code package.json} and lock file and {@code scripts} into {@code work}, and runs
     * {@code npm ci} there unless this very lock file is installed already.
     */
    public static OfficialX402 install(Path work, Path... scripts) throws IOException, InterruptedException {
        Files.createDirectories(work);
        for (String file : List.of("package.json", "package-lock.json")) {
            Files.copy(PINNED.resolve(file), work.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        for (Path script : scripts) {
            Files.copy(script, work.resolve(script.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
        OfficialX402 library = new OfficialX402(work);
        Path installed = work.resolve("node_modules").resolve(INSTALLED);
        byte[] lock = Files.readAllBytes(work.resolve("package-lock.json"));
        if (!Files.exists(installed) || !Arrays.equals(lock, Files.readAllBytes(installed))) {
            library.run(Map.of(), 300, "npm", "ci", "--no-audit", "--no-fund");
            Files.write(installed, lock);
        }
        return library;
    }

    /** Runs {@code node script args...} in the install directory with {@code env} added; returns its stdout. */
    public String node(Map<String, String> env, String script, String... args) throws IOException,
            InterruptedException {
        String[] command = new String[args.length + 2];
        command[0] = "node";
        command[1] = script;
        System.arraycopy(args, 0, command, 2, args.length);
        return run(env, 60, command);
    }

    private String run(Map<String, String> env, int timeoutSeconds, String... command) throws IOException,
            InterruptedException {
        Path out = Files.createTempFile(work, "out", ".txt");
        Path err = Files.createTempFile(work, "err", ".txt");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            builder.environment().putAll(env);
            Process process;
            try {
                process = builder.start();
            } catch (IOException e) {
                throw new AssertionError("cannot run " + command[0] + ": Node.js and npm must be on the PATH", e);
            }
            process.getOutputStream().close();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish within " + timeoutSeconds
                        + " s");
            }
            if (process.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " failed (exit " + process.exitValue() + "): "
                        + Files.readString(err, StandardCharsets.UTF_8));
            }
            return Files.readString(out, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
