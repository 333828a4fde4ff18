package dev.tollgate.gateway.cluster;

import io.lettuce.core.RedisURI;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} (Debian's package; {@code .ci/run} installs it) in the foreground on a free port, with
 * AOF on and fsynced on every write and no RDB snapshots, its data in a test's directory. {@link #kill()} and
 * {@link #start()} again model a crash and a restart on the same data. Public for the demo's cluster test
 * (sample-content-site), through this module's test-jar.
 */
public final class RedisServer implements AutoCloseable {

    private static final Path BINARY = Path.of("/usr/bin/redis-server");
    private static final long START_DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(20);

    private final Path dir;
    private final int port;
    private final List<String> extraArgs;
    private Process process;

    private RedisServer(Path dir, int port, List<String> extraArgs) {
        this.dir = dir;
        this.port = port;
        this.extraArgs = extraArgs;
    }

    /** Starts a server with its data in {@code dir}; {@code extraArgs} are more {@code --name value} settings. */
    public static RedisServer start(Path dir, String... extraArgs) throws IOException {
        if (!Files.isExecutable(BINARY)) {
            throw new IllegalStateException(BINARY + " is missing: apt-get install redis-server (.ci/run does)");
        }
        RedisServer server = new RedisServer(dir, freePort(), List.of(extraArgs));
        server.start();
        return server;
    }

    /** Starts the server (again) on its port and data, and returns once it answers PING. */
    public void start() throws IOException {
        List<String> command = new ArrayList<>(List.of(BINARY.toString(), "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--dir", dir.toString(), "--daemonize", "no", "--save", "",
                "--appendonly", "yes", "--appendfsync", "always"));
        command.addAll(extraArgs);
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile())).start();
        long deadline = System.nanoTime() + START_DEADLINE_NANOS;
        while (!answersPing()) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server exited with " + process.exitValue() + ":\n" + log());
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("redis-server did not answer PING within 20 s:\n" + log());
            }
            try {
                Thread.sleep(10); // the polling interval, not a wait for the condition
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
    }

    /** Kills the server with SIGKILL (a crash) and waits until it is gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            throw new IllegalStateException("redis-server survived SIGKILL for 20 s");
        }
    }

    public int port() {
        return port;
    }

    /** The folder of its files (AOF, log). */
    Path dir() {
        return dir;
    }

    RedisURI uri() {
        return RedisURI.create("redis://127.0.0.1:" + port);
    }

    private boolean answersPing() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            socket.setSoTimeout(500);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] answer = in.readNBytes(7);
            return new String(answer, StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException e) {
            return false;
        }
    }

    private String log() throws IOException {
        Path log = dir.resolve("redis.log");
        return Files.exists(log) ? Files.readString(log) : "(no log)";
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            kill();
        }
    }
}
