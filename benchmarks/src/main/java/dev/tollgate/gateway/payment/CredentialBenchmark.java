package dev.tollgate.gateway.payment;

import dev.tollgate.gateway.http.PaymentException;
import dev.tollgate.bench.BrokerFixture;
import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.InvalidConfigException;
import dev.tollgate.gateway.route.Snapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What the filter spends on a payment header before the ledger: the first time it sees one
 * ({@link CredentialReader#fromHeader}: base64, JSON, offer checks, scrip verification) against a repeat click
 * (digest of the header, then a cache hit), and against a repeat click paid with the seller's reference instead
 * (PROTOCOL.md section 12); and a later PayWord word in the full header against the compact one (section 8). The
 * reader keeps no cache, so each {@code fromHeader} call does the full first-seen work.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class CredentialBenchmark {

    private BrokerFixture fixture;
    private Path dir;
    private Snapshot snapshot;
    private CredentialReader reader;
    private CredentialReader readerKeepingScrip;
    private CredentialCache cache;
    private String header;
    private String token;
    private String signature;
    private ScripReferences references;
    private String referenceHeader;
    private String payWordHeader;
    private String compactWordHeader;

    @Setup
    public void setUp() throws IOException, InvalidConfigException, PaymentException,
            FailedVerifications.TooManyFailures {
        fixture = new BrokerFixture();
        dir = Files.createTempDirectory("tollgate-bench");
        Path file = BrokerFixture.writeConfig(dir, fixture.jwks.jwksUri(),
                "rules:\n  - match: /articles/**\n    price: 0.05\n");
        snapshot = new Snapshot(GatewayConfig.load(file));
        reader = new CredentialReader(fixture.verifier::verify, Clock.systemUTC(), java.time.Duration.ofMinutes(5));
        cache = new CredentialCache(10_000, Clock.systemUTC());
        header = BrokerFixture.paymentHeader(fixture.ed25519Scrip(), 50_000);
        Credential credential = reader.fromHeader(header, snapshot);
        if (!(credential instanceof Credential.Verified)) {
            throw new IllegalStateException("the header did not verify: " + credential);
        }
        cache.put(CredentialCache.key('H', header), credential);
        Clock clock = Clock.systemUTC();
        ScripTokens tokens = new ScripTokens(fixture.verifier::verify, clock, java.time.Duration.ofMinutes(5),
                new FailedVerifications(GatewayConfig.ClientLimits.DEFAULTS.clients(), clock),
                new CredentialCache(10_000, clock));
        readerKeepingScrip = new CredentialReader(new PaymentSchemes(java.util.List.of(ScripScheme.readingOnly(tokens),
                PayWordScheme.readingOnly())), tokens, clock);
        readerKeepingScrip.fromHeader(header, snapshot);
        token = fixture.ed25519Scrip();
        signature = token.substring(token.lastIndexOf('.') + 1);
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        references = new ScripReferences(new ReferenceKey(key), 10_000, null, null, clock);
        Credential offered = new CredentialReader(new PaymentSchemes(java.util.List.of(ScripScheme.readingOnly(tokens),
                PayWordScheme.readingOnly())), tokens, references, clock).fromHeader(header, snapshot);
        referenceHeader = new dev.tollgate.protocol.ScripReference(((Credential.Verified) offered).reference(), 50_000,
                null).header();
        if (!(references.read(referenceHeader, snapshot, null) instanceof Credential.Verified)) {
            throw new IllegalStateException("the reference did not resolve");
        }
        System.out.println("TOLLGATE-REFERENCE header: " + referenceHeader.length() + " chars");
        byte[] word = new byte[32];
        new java.security.SecureRandom().nextBytes(word);
        String commitmentId = dev.tollgate.protocol.PayWord.encodeWord(new byte[32]);
        payWordHeader = dev.tollgate.gateway.testing.PayWordBuyer.header(java.util.Map.of(
                dev.tollgate.protocol.PayWord.COMMITMENT_ID, commitmentId, dev.tollgate.protocol.PayWord.INDEX, 9,
                dev.tollgate.protocol.PayWord.WORD, dev.tollgate.protocol.PayWord.encodeWord(word)));
        compactWordHeader = new dev.tollgate.protocol.CompactWord("test", commitmentId, 9, word, 1_000_000, null)
                .header();
        if (!(payWordFullRead() instanceof Credential.PayWordPayment)
                || !(payWordCompactRead() instanceof Credential.PayWordPayment)) {
            throw new IllegalStateException("a PayWord header did not read");
        }
        System.out.println("PayWord PAYMENT-SIGNATURE header: " + payWordHeader.length() + " chars, TOLLGATE-PAYWORD: "
                + compactWordHeader.length() + " chars");
        System.out.println("PAYMENT-SIGNATURE header: " + header.length() + " chars (Ed25519 scrip)");
    }

    @TearDown
    public void tearDown() throws IOException {
        fixture.close();
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    /** First sight of a header: decode and verify (Ed25519 scrip, BC). */
    @Benchmark
    public Credential firstSeenFromHeader() throws PaymentException {
        return reader.fromHeader(header, snapshot);
    }

    /**
     * A header not seen before whose scrip was verified before (another URL, or a new x402 payment identifier):
     * decode and check the header, digest the token, find the verified scrip.
     */
    @Benchmark
    public Credential newHeaderKnownScrip() throws PaymentException {
        return readerKeepingScrip.fromHeader(header, snapshot);
    }

    /** A repeat click: digest the header, find the verified credential. */
    @Benchmark
    public Credential cachedLookup() {
        return cache.get(CredentialCache.key('H', header));
    }

    /**
     * A repeat click paid with the seller's reference (PROTOCOL.md section 12) instead of the header: parse, HMAC,
     * find the scrip.
     */
    @Benchmark
    public Credential referenceRead() throws PaymentException, FailedVerifications.TooManyFailures {
        return references.read(referenceHeader, snapshot, null);
    }

    /**
     * A later PayWord word in {@code PAYMENT-SIGNATURE} with {@code commitmentId}, as the filter reads it: digest the
     * header, miss the cache (a word is new every time), decode and check it.
     */
    @Benchmark
    public Credential payWordFullRead() throws PaymentException {
        Credential cached = cache.get(CredentialCache.key('H', payWordHeader));
        return cached != null ? cached : reader.fromHeader(payWordHeader, snapshot);
    }

    /** The same word in the compact {@code TOLLGATE-PAYWORD} header (PROTOCOL.md section 8): parse it, nothing else. */
    @Benchmark
    public Credential payWordCompactRead() throws PaymentException {
        return PayWordPayloads.readCompact(compactWordHeader, snapshot);
    }

    /** The key a verified token was kept under before issue 12: SHA-256 over the whole token. */
    @Benchmark
    public CredentialCache.Key tokenKeyWhole() {
        return CredentialCache.key('C', token);
    }

    /**
     * The key the cookie and a header's scrip are kept under ({@link CredentialCache#tokenKey}): SHA-256 over the
     * token's signature alone (the JWS's third part).
     */
    @Benchmark
    public CredentialCache.Key tokenKeySignature() {
        return CredentialCache.tokenKey(token);
    }

    /** The digest alone (SHA-256 over the header, truncated to 128 bits). */
    @Benchmark
    public CredentialCache.Key keyDigest() {
        return CredentialCache.key('H', header);
    }
}
