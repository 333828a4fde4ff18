package dev.tollgate.gateway.payment;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

final class CredentialCacheTest {

    @Test
    void equalTextsGiveEqualKeysAndAHeaderAndACookieWithTheSameTextDiffer() {
        assertThat(CredentialCache.key('H', "token")).isEqualTo(CredentialCache.key('H', "token"));
        assertThat(CredentialCache.key('H', "token")).isNotEqualTo(CredentialCache.key('C', "token"));
        assertThat(CredentialCache.key('H', "token")).isNotEqualTo(CredentialCache.key('H', "token2"));
    }

    @Test
    void aTokenIsKeyedByItsSignatureAloneAndAValueThatIsNoJwsWhole() {
        assertThat(CredentialCache.tokenKey("h.p.sig")).isEqualTo(CredentialCache.tokenKey("h2.p2.sig"))
                .isEqualTo(CredentialCache.key('S', "sig"))
                .isNotEqualTo(CredentialCache.tokenKey("h.p.sig2"))
                .isNotEqualTo(CredentialCache.tokenKey("sig"));
        assertThat(CredentialCache.tokenKey("sig")).isEqualTo(CredentialCache.key('C', "sig"));
    }

    /**
     * The key is SHA-256 over the kind and the text's UTF-8, truncated to 128 bits, from a digest used over and over
     * (it must be left reset after each key, whatever the text's length).
     */
    @Test
    void theKeyIsTheTruncatedSha256OfTheKindAndTheTextsUtf8() throws Exception {
        String alphabet = "aZ0-_é€ÿ\u07ff\u0800\uffff";
        StringBuilder text = new StringBuilder();
        for (int length = 0; length < 300; length++) {
            assertThat(CredentialCache.key('H', text.toString())).as("length %d", length)
                    .isEqualTo(reference('H', text.toString()));
            text.append(alphabet.charAt(length * 7 % alphabet.length()));
        }
        String token = "h.p." + text;
        assertThat(CredentialCache.tokenKey(token)).isEqualTo(reference('S', text.toString()));
    }

    /** Digests are lent from a few slots shared by all threads: none may be used by two threads at once. */
    @Test
    void threadsKeyingAtOnceEachGetTheirTextsKey() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(24);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 24; t++) {
                int thread = t;
                results.add(threads.submit(() -> {
                    for (int i = 0; i < 2_000; i++) {
                        String text = "header-" + thread + "-" + i + "x".repeat(i % 600);
                        if (!CredentialCache.key('H', text).equals(reference('H', text))) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> result : results) {
                assertThat(result.get()).isTrue();
            }
        } finally {
            threads.shutdownNow();
        }
    }

    private static CredentialCache.Key reference(char kind, String text) throws Exception {
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        sha256.update((byte) kind);
        ByteBuffer digest = ByteBuffer.wrap(sha256.digest(text.getBytes(StandardCharsets.UTF_8)));
        return new CredentialCache.Key(digest.getLong(), digest.getLong());
    }

    /**
     * A container's request threads outlive a web app: whatever hashing a credential leaves on the thread (a
     * per-thread digest of one of our classes) would keep the undeployed app's class loader, and all its classes,
     * alive for as long as the thread.
     */
    @Test
    void hashingACredentialLeavesNothingOnTheThreadThatKeepsTheClassLoaderAlive() throws Exception {
        WeakReference<ClassLoader> loader = hashOnThisThreadInAFreshClassLoader();

        Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
        while (loader.get() != null && Instant.now().isBefore(deadline)) {
            System.gc();
            Thread.onSpinWait();
        }
        assertThat(loader.get()).as("the class loader of a credential hashed on this thread").isNull();
    }

    private static WeakReference<ClassLoader> hashOnThisThreadInAFreshClassLoader() throws Exception {
        URL classes = CredentialCache.class.getProtectionDomain().getCodeSource().getLocation();
        URL caffeine = com.github.benmanes.caffeine.cache.Cache.class.getProtectionDomain().getCodeSource()
                .getLocation();
        try (URLClassLoader app = new URLClassLoader(new URL[] {classes, caffeine},
                ClassLoader.getPlatformClassLoader())) {
            Class<?> cache = app.loadClass(CredentialCache.class.getName());
            assertThat(cache).isNotSameAs(CredentialCache.class);
            Method key = cache.getMethod("key", char.class, String.class);
            key.invoke(null, 'H', "a payment header");
            return new WeakReference<>(app);
        }
    }
}
