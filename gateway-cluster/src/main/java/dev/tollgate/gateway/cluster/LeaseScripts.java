package dev.tollgate.gateway.cluster;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The lease scripts (resources next to this class, each with {@code common.lua} in front) and how they are run:
 * {@code EVALSHA}, and {@code EVAL} when Redis does not know the script (after a restart), which caches it again.
 */
enum LeaseScripts {
    LEASE("lease.lua"), RELEASE("release.lua"), RETIRE("retire.lua");

    private final String body;
    private final String sha;

    LeaseScripts(String file) {
        body = resource("common.lua") + '\n' + resource(file);
        sha = sha1(body);
    }

    /** Runs the script on the scrip's hash; the future completes with the script's answer. */
    CompletableFuture<Lease> run(RedisAsyncCommands<String, String> redis, ScripId scrip, String... args) {
        String[] keys = {scrip.key()};
        return redis.<List<Object>>evalsha(sha, ScriptOutputType.MULTI, keys, args).toCompletableFuture()
                .exceptionallyCompose(e -> unwrap(e) instanceof RedisNoScriptException
                        ? redis.<List<Object>>eval(body, ScriptOutputType.MULTI, keys, args).toCompletableFuture()
                        : CompletableFuture.failedFuture(e))
                .thenApply(Lease::fromReply);
    }

    static Throwable unwrap(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    private static String resource(String name) {
        try (InputStream in = LeaseScripts.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha1(String text) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
