package dev.tollgate.gateway.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/**
 * The one seller key a cluster's nodes sign with, as an operator provisions it: a private OKP JWK in a file only its
 * owner may read ({@code settlement.seller-key-file}).
 *
 * @param file where it is
 * @param publicJwk its public half, to register at the broker
 */
record SharedSellerKey(Path file, String publicJwk) {

    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    /** A new key written to {@code file} (owner-only), or the one already there. */
    static SharedSellerKey at(Path file) throws IOException {
        if (Files.exists(file)) {
            String jwk = Files.readString(file);
            String x = jwk.substring(jwk.indexOf("\"x\":\"") + 5);
            return new SharedSellerKey(file, publicJwk(x.substring(0, x.indexOf('"'))));
        }
        Ed25519PrivateKeyParameters key = new Ed25519PrivateKeyParameters(new SecureRandom());
        String x = B64URL.encodeToString(key.generatePublicKey().getEncoded());
        Files.createDirectories(file.getParent());
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" + x + "\",\"d\":\""
                + B64URL.encodeToString(key.getEncoded()) + "\"}\n", StandardCharsets.UTF_8);
        return new SharedSellerKey(file, publicJwk(x));
    }

    private static String publicJwk(String x) {
        return "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" + x + "\"}";
    }
}
