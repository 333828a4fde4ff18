package dev.tollgate.gateway.keys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.testing.TestBroker;
import dev.tollgate.testkit.Fuzz;
import dev.tollgate.testkit.Mutate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The JWKS parser over mutated broker key sets: keys or an {@link IOException}, nothing else. */
final class JwksParserFuzzTest {

    @Test
    void aMutatedKeySetGivesUsableKeysByKidOrAnIoException() throws Exception {
        TestBroker broker = new TestBroker();
        broker.rotate();
        broker.addRawJwk("{\"kty\":\"RSA\",\"kid\":\"rsa-1\",\"n\":\"AQAB\",\"e\":\"AQAB\"}");
        String valid = broker.jwksJson();
        assertThat(JwksParser.parse(valid.getBytes(StandardCharsets.UTF_8))).hasSize(3);

        Fuzz.forAll("JWKS parsing", 1500, random -> random.nextInt(4) == 0
                ? Mutate.bytes(valid.getBytes(StandardCharsets.UTF_8), random)
                : Mutate.json(valid, random).getBytes(StandardCharsets.UTF_8), body -> {
                    Map<String, PublicKey> keys;
                    try {
                        keys = JwksParser.parse(body);
                    } catch (IOException e) {
                        return;
                    }
                    assertThat(keys).hasSizeLessThanOrEqualTo(4);
                    keys.forEach((kid, key) -> {
                        assertThat(kid).isNotEmpty();
                        assertThat(key.getAlgorithm()).isIn("Ed25519", "EC", "EdDSA", "ECDSA");
                    });
                });
    }
}
