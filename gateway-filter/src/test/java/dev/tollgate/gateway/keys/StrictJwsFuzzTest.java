package dev.tollgate.gateway.keys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testkit.Fuzz;
import dev.tollgate.testkit.Gen;
import dev.tollgate.testkit.Mutate;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The strict reading of compact JWS segments over hostile segments (docs/PROTOCOL.md section 8). */
final class StrictJwsFuzzTest {

    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    @Test
    void aSegmentDecodesOnlyFromItsOneCanonicalSpellingAndAnObjectOnlyFromOneJsonObject() {
        Fuzz.forAll("strict JWS segments", 5000, random -> {
            String json = "{\"alg\":\"EdDSA\",\"typ\":\"tollgate-payword+jwt\",\"n\":[1,2,{\"x\":null}]}";
            return switch (random.nextInt(4)) {
                case 0 -> Gen.string(random, 80);
                case 1 -> B64URL.encodeToString(Mutate.json(json, random).getBytes(StandardCharsets.UTF_8));
                default -> Mutate.text(B64URL.encodeToString(json.getBytes(StandardCharsets.UTF_8)), random);
            };
        }, segment -> {
            var object = StrictJws.object(segment);
            byte[] bytes;
            try {
                bytes = StrictJws.decode(segment);
            } catch (IllegalArgumentException e) {
                assertThat(object).isNull();
                return;
            }
            assertThat(B64URL.encodeToString(bytes)).isEqualTo(segment);
            assertThat(object == null || object.isObject()).isTrue();
        });
    }
}
