package dev.tollgate.gateway.keys;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The {@code broker.trust-file}: a PEM file of CA certificates that HTTPS connections to the broker trust instead
 * of the JDK's defaults (for a broker with a private CA or a self-signed certificate, as in the local demo). Only
 * the {@code CERTIFICATE} blocks count; any other text in the file is ignored. Host names are still checked.
 *
 * @since 0.1
 */
public final class TrustFile {

    /** A trust file is a few certificates; anything bigger is a mistake. */
    public static final long MAX_BYTES = 1 << 20;

    private static final String BEGIN = "-----BEGIN CERTIFICATE-----";
    private static final String END = "-----END CERTIFICATE-----";

    private TrustFile() {
    }

    /**
     * Reads every certificate in {@code file}.
     *
     * @throws IllegalArgumentException saying why the file is unusable: unreadable, too big, no certificate, or a
     *         block that is not an X.509 certificate (named by its number)
     */
    public static List<X509Certificate> certificates(Path file) {
        String text;
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw new IllegalArgumentException("'" + file + "' is " + size + " bytes; a trust file is at most "
                        + MAX_BYTES);
            }
            text = Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read '" + file + "': " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()));
        }
        CertificateFactory factory;
        try {
            factory = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("this JVM has no X.509 support", e);
        }
        List<X509Certificate> certificates = new ArrayList<>();
        for (int begin = text.indexOf(BEGIN); begin >= 0; begin = text.indexOf(BEGIN, begin + 1)) {
            int number = certificates.size() + 1;
            int end = text.indexOf(END, begin);
            if (end < 0) {
                throw new IllegalArgumentException("'" + file + "': certificate " + number + " has no " + END);
            }
            try {
                byte[] der = Base64.getMimeDecoder().decode(text.substring(begin + BEGIN.length(), end));
                certificates.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
            } catch (IllegalArgumentException | CertificateException e) {
                throw new IllegalArgumentException("'" + file + "': certificate " + number
                        + " is not a valid X.509 certificate");
            }
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("'" + file + "' contains no PEM certificate (" + BEGIN + ")");
        }
        return certificates;
    }

    /**
     * A TLS context that trusts exactly the certificates in {@code file}.
     *
     * @throws IllegalArgumentException as {@link #certificates(Path)}
     */
    public static SSLContext sslContext(Path file) {
        List<X509Certificate> certificates = certificates(file);
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            for (int i = 0; i < certificates.size(); i++) {
                store.setCertificateEntry("trusted-" + i, certificates.get(i));
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("'" + file + "': cannot build a TLS context from its certificates: "
                    + e.getMessage());
        }
    }

    /** An HTTP client builder for the broker: trusting {@code trust} if given, else the JDK's default CAs. */
    public static HttpClient.Builder clientBuilder(Optional<SSLContext> trust) {
        HttpClient.Builder builder = HttpClient.newBuilder();
        trust.ifPresent(builder::sslContext);
        return builder;
    }
}
