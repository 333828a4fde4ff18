package dev.tollgate.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testkit.Fuzz;
import dev.tollgate.testkit.Gen;
import dev.tollgate.testkit.Mutate;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The x402 header codec over hostile headers (docs/PROTOCOL.md section 2): random text, and valid headers of every
 * record mutated as base64 text and as JSON. Seeded; see {@link Fuzz} for longer runs.
 */
final class X402CodecFuzzTest {

    private static final String SECRET = "tok_9f3Kq2LmZx7VbN4wR8sT1uYc";
    private static final List<Class<?>> TYPES = List.of(PaymentPayload.class, PaymentRequired.class,
            PaymentRequirements.class, SettlementResponse.class, ResourceInfo.class);
    private static final PaymentRequirements ACCEPTED = new PaymentRequirements("scrip", "tollgate:acme", "50000",
            "USD", "seller-1", 60, Map.of("name", "Acme", "nested", Map.of("list", List.of(1, "two", true))));
    private static final ResourceInfo RESOURCE = new ResourceInfo("https://shop.example/a?b=c", "An article",
            "text/html");
    private static final List<Object> VALID = List.of(
            new PaymentPayload(2, RESOURCE, ACCEPTED, Map.of("token", SECRET), Map.of("ext", Map.of("a", 1))),
            new PaymentPayload(2, null, ACCEPTED, Map.of(PayWord.COMMITMENT_ID, SECRET, PayWord.INDEX, 7,
                    PayWord.WORD, SECRET), null),
            new PaymentRequired(2, "payment required", RESOURCE, List.of(ACCEPTED, ACCEPTED), null),
            new SettlementResponse(true, null, "buyer-7", "rcpt_1", "tollgate:acme", "50000",
                    Map.of("remaining", "950000")),
            ACCEPTED, RESOURCE);

    /** A header value: a valid one mutated as text, as JSON (then base64 in either alphabet), or random text. */
    private static String header(Random random) {
        Object valid = Gen.oneOf(random, VALID);
        String json = new String(X402Codec.toJson(valid), UTF_8);
        return switch (random.nextInt(5)) {
            case 0 -> Mutate.text(X402Codec.encodeHeader(valid), random);
            case 1 -> Gen.string(random, 200);
            case 2 -> Base64.getUrlEncoder().withoutPadding().encodeToString(Mutate.json(json, random)
                    .getBytes(UTF_8));
            default -> Base64.getEncoder().encodeToString(random.nextInt(4) == 0
                    ? Mutate.bytes(json.getBytes(UTF_8), random) : Mutate.json(json, random).getBytes(UTF_8));
        };
    }

    @Test
    void decodingAnyHeaderGivesARecordThatEncodesBackToItselfOrAMalformedPaymentException() {
        Fuzz.forAll("x402 header decoding", 1000, X402CodecFuzzTest::header, header -> {
            for (Class<?> type : TYPES) {
                Object decoded;
                try {
                    decoded = X402Codec.decodeHeader(header, type);
                } catch (MalformedPaymentException e) {
                    assertThat(e.getMessage()).isNotBlank().doesNotContain(SECRET.substring(4, 20));
                    continue;
                }
                assertThat(X402Codec.decodeHeader(X402Codec.encodeHeader(decoded), type)).isEqualTo(decoded);
            }
        });
    }

    @Test
    void decodingAnyJsonBodyGivesARecordOrAMalformedPaymentException() {
        Fuzz.forAll("x402 JSON body decoding", 700, random -> {
            String json = new String(X402Codec.toJson(Gen.oneOf(random, VALID)), UTF_8);
            return random.nextInt(4) == 0 ? Mutate.bytes(json.getBytes(UTF_8), random)
                    : Mutate.json(json, random).getBytes(UTF_8);
        }, json -> {
            for (Class<?> type : TYPES) {
                try {
                    Object decoded = X402Codec.fromJson(json, type);
                    assertThat(X402Codec.fromJson(X402Codec.toJson(decoded), type)).isEqualTo(decoded);
                } catch (MalformedPaymentException e) {
                    assertThat(e.getMessage()).isNotBlank().doesNotContain(SECRET.substring(4, 20));
                }
            }
        });
    }
}
