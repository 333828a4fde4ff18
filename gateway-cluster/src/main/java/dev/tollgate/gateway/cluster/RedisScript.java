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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A Lua script from resources next to this class, run by {@code EVALSHA}, and by {@code EVAL} when Redis does not
 * know it (after a restart), which caches it again. Immutable.
 */
final class RedisScript {

    private final String body;
    private final String sha;

    /** The files' texts, one after the other (a shared prelude first). */
    RedisScript(String... files) {
        StringBuilder text = new StringBuilder();
        for (String file : files) {
            text.append(resource(file)).append('\n');
        }
        body = text.toString();
        sha = sha1(body);
    }

    /** Runs the script; the future completes with its answer as {@code type} reads it. */
    <T> CompletableFuture<T> run(RedisAsyncCommands<String, String> redis, ScriptOutputType type, String[] keys,
                                 String... args) {
        return redis.<T>evalsha(sha, type, keys, args).toCompletableFuture()
                .exceptionallyCompose(e -> unwrap(e) instanceof RedisNoScriptException
                        ? redis.<T>eval(body, type, keys, args).toCompletableFuture()
                        : CompletableFuture.failedFuture(e));
    }

    static Throwable unwrap(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    private static String resource(String name) {
        try (InputStream in = RedisScript.class.getResourceAsStream(name)) {
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
