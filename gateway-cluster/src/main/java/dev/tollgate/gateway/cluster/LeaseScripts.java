package dev.tollgate.gateway.cluster;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The lease scripts (resources next to this class, each with {@code common.lua} in front) and how they are run. */
enum LeaseScripts {
    LEASE("lease.lua"), RELEASE("release.lua"), RETIRE("retire.lua");

    private final RedisScript script;

    LeaseScripts(String file) {
        script = new RedisScript("common.lua", file);
    }

    /** Runs the script on the scrip's hash; the future completes with the script's answer. */
    CompletableFuture<Lease> run(RedisAsyncCommands<String, String> redis, ScripId scrip, String... args) {
        return script.<List<Object>>run(redis, ScriptOutputType.MULTI, new String[] {scrip.key()}, args)
                .thenApply(Lease::fromReply);
    }
}
