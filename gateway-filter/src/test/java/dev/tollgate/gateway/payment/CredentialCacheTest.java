package dev.tollgate.gateway.payment;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.ref.WeakReference;
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
