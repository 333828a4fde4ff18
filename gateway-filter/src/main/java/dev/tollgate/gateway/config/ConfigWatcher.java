package dev.tollgate.gateway.config;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the config file's directory (editors and Kubernetes replace files rather than write them in place) and
 * hands every change of content to a listener on its own daemon thread. Events are coalesced over a short quiet
 * period so a save in several writes is read once.
 */
public final class ConfigWatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigWatcher.class);
    private static final long QUIET_MILLIS = 50;

    private final Path file;
    private final Consumer<Path> onChange;
    private final WatchService watchService;
    private final Thread thread;
    private byte[] lastDigest;

    public ConfigWatcher(Path file, Consumer<Path> onChange) throws IOException {
        this.file = file.toAbsolutePath();
        this.onChange = onChange;
        this.lastDigest = digest();
        this.watchService = FileSystems.getDefault().newWatchService();
        this.file.getParent().register(watchService, StandardWatchEventKinds.ENTRY_CREATE,
                StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
        this.thread = new Thread(this::run, "tollgate-config-watcher");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void run() {
        try {
            while (true) {
                WatchKey key = watchService.take();
                drain(key);
                // Let a multi-write save finish before reading it.
                for (WatchKey more = watchService.poll(QUIET_MILLIS, TimeUnit.MILLISECONDS); more != null;
                     more = watchService.poll(QUIET_MILLIS, TimeUnit.MILLISECONDS)) {
                    drain(more);
                }
                byte[] digest = digest();
                if (digest != null && !Arrays.equals(digest, lastDigest)) {
                    lastDigest = digest;
                    try {
                        onChange.accept(file);
                    } catch (RuntimeException e) {
                        LOG.error("Reloading {} failed", file, e);
                    }
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void drain(WatchKey key) {
        key.pollEvents();
        key.reset();
    }

    /** The content's digest, or {@code null} while the file is missing (mid-replace). */
    private byte[] digest() {
        try {
            return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
        } catch (IOException e) {
            return null;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            watchService.close();
        } catch (IOException e) {
            LOG.debug("Closing the watch service of {}", file, e);
        }
        thread.interrupt();
    }
}
