package dev.tollgate.site;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The demo's HTTPS identity: a self-signed ECDSA P-256 certificate for {@code localhost} (SAN DNS {@code localhost},
 * IP {@code 127.0.0.1}), valid one year, generated at first start into {@code <data>/tls/}:
 * <ul>
 *   <li>{@code keystore.p12}: the key and certificate (PKCS#12), alias {@value #ALIAS};</li>
 *   <li>{@code keystore-password}: its random password, owner-only; a file others may read is refused;</li>
 *   <li>{@code localhost.pem}: the certificate, for clients (and the gateway's {@code broker.trust-file}) to trust.</li>
 * </ul>
 * Later starts reuse them. Immutable.
 */
final class Tls {

    static final String ALIAS = "localhost";
    static final String KEYSTORE = "keystore.p12";
    static final String PASSWORD_FILE = "keystore-password";
    static final String CERTIFICATE_PEM = "localhost.pem";
    private static final Duration VALIDITY = Duration.ofDays(365);

    private final Path keystore;
    private final char[] password;
    private final Path certificatePem;
    private final X509Certificate certificate;

    private Tls(Path keystore, char[] password, Path certificatePem, X509Certificate certificate) {
        this.keystore = keystore;
        this.password = password;
        this.certificatePem = certificatePem;
        this.certificate = certificate;
    }

    /** Loads the identity from {@code dir}, generating it first if the keystore is missing. */
    static Tls open(Path dir) throws IOException {
        OwnerOnlyFiles.createDirectory(dir);
        Path keystore = dir.resolve(KEYSTORE);
        Path passwordFile = dir.resolve(PASSWORD_FILE);
        Path pem = dir.resolve(CERTIFICATE_PEM);
        try {
            if (!Files.exists(keystore)) {
                generate(keystore, passwordFile, pem);
            }
            char[] password = new String(OwnerOnlyFiles.read(passwordFile), StandardCharsets.UTF_8).strip()
                    .toCharArray();
            KeyStore store = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(keystore)) {
                store.load(in, password);
            }
            if (!(store.getCertificate(ALIAS) instanceof X509Certificate certificate)) {
                throw new IOException(keystore + " has no certificate under the alias '" + ALIAS + "'");
            }
            if (!Files.exists(pem)) {
                Files.writeString(pem, pem(certificate), StandardCharsets.US_ASCII);
            }
            return new Tls(keystore, password, pem, certificate);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot open the TLS keystore " + keystore + ": " + e.getMessage(), e);
        }
    }

    private static void generate(Path keystore, Path passwordFile, Path pem)
            throws IOException, GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair pair = generator.generateKeyPair();
        X509Certificate certificate = selfSigned(pair);

        byte[] secret = new byte[24];
        new SecureRandom().nextBytes(secret);
        char[] password = Base64.getUrlEncoder().withoutPadding().encodeToString(secret).toCharArray();
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry(ALIAS, pair.getPrivate(), password, new Certificate[] {certificate});
        // The password file first: a keystore without it would be unusable.
        OwnerOnlyFiles.write(passwordFile, new String(password).getBytes(StandardCharsets.UTF_8));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        store.store(out, password);
        OwnerOnlyFiles.write(keystore, out.toByteArray());
        Files.writeString(pem, pem(certificate), StandardCharsets.US_ASCII);
    }

    private static X509Certificate selfSigned(KeyPair pair) throws IOException, GeneralSecurityException {
        X500Principal subject = new X500Principal("CN=localhost, O=Tollgate demo");
        Instant now = Instant.now();
        BigInteger serial = new BigInteger(64, new SecureRandom());
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial,
                Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(VALIDITY)), subject,
                pair.getPublic());
        byte[] loopback = InetAddress.getByName("127.0.0.1").getAddress();
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.dNSName, "localhost"),
            new GeneralName(GeneralName.iPAddress, new org.bouncycastle.asn1.DEROctetString(loopback))}));
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException("cannot sign the certificate: " + e.getMessage(), e);
        }
    }

    static String pem(X509Certificate certificate) throws CertificateException {
        return "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(certificate.getEncoded())
                + "\n-----END CERTIFICATE-----\n";
    }

    /** Reads the first certificate of a PEM file. */
    static X509Certificate readPem(Path file) throws IOException {
        try (InputStream in = new ByteArrayInputStream(Files.readAllBytes(file))) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (CertificateException e) {
            throw new IOException(file + " is not a PEM certificate: " + e.getMessage(), e);
        }
    }

    Path keystore() {
        return keystore;
    }

    char[] password() {
        return password.clone();
    }

    Path certificatePem() {
        return certificatePem;
    }

    X509Certificate certificate() {
        return certificate;
    }
}
