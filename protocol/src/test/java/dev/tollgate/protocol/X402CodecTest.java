package dev.tollgate.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

final class X402CodecTest {

    private static final ResourceInfo RESOURCE =
            new ResourceInfo("https://api.example.com/quote", "A stock quote", "application/json");
    private static final PaymentRequirements REQUIREMENTS = new PaymentRequirements(
            "scrip", "tollgate:acme", "50000", "USD", "seller-1", 60, Map.of("name", "Acme"));
    private static final PaymentRequired REQUIRED = new PaymentRequired(
            2, "PAYMENT-SIGNATURE header is required", RESOURCE, List.of(REQUIREMENTS), null);
    private static final PaymentPayload PAYLOAD = new PaymentPayload(
            2, RESOURCE, REQUIREMENTS, Map.of("token", "eyJ.secret.token"), null);
    private static final SettlementResponse SETTLED = new SettlementResponse(
            true, null, "buyer-7", "rcpt_123", "tollgate:acme", "50000", Map.of("remaining", "950000"));

    private static final String REQUIRED_JSON = "{\"x402Version\":2,\"error\":\"PAYMENT-SIGNATURE header is required\","
            + "\"resource\":{\"url\":\"https://api.example.com/quote\",\"description\":\"A stock quote\","
            + "\"mimeType\":\"application/json\"},\"accepts\":[{\"scheme\":\"scrip\",\"network\":\"tollgate:acme\","
            + "\"amount\":\"50000\",\"asset\":\"USD\",\"payTo\":\"seller-1\",\"maxTimeoutSeconds\":60,"
            + "\"extra\":{\"name\":\"Acme\"}}]}";
    private static final String ACCEPTED_JSON = "{\"scheme\":\"scrip\",\"network\":\"tollgate:acme\","
            + "\"amount\":\"50000\",\"asset\":\"USD\",\"payTo\":\"seller-1\",\"maxTimeoutSeconds\":60}";

    @Test
    void writesPaymentRequiredWithExactFieldNames() {
        assertThat(new String(X402Codec.toJson(REQUIRED), UTF_8)).isEqualTo(REQUIRED_JSON);
    }

    @Test
    void writesPaymentPayloadWithExactFieldNames() {
        PaymentPayload bare = new PaymentPayload(2, null, REQUIREMENTS, Map.of("token", "t"), Map.of());
        assertThat(new String(X402Codec.toJson(bare), UTF_8)).isEqualTo("{\"x402Version\":2,\"accepted\":"
                + "{\"scheme\":\"scrip\",\"network\":\"tollgate:acme\",\"amount\":\"50000\",\"asset\":\"USD\","
                + "\"payTo\":\"seller-1\",\"maxTimeoutSeconds\":60,\"extra\":{\"name\":\"Acme\"}},"
                + "\"payload\":{\"token\":\"t\"},\"extensions\":{}}");
    }

    @Test
    void writesSettlementResponseWithExactFieldNamesOmittingNulls() {
        assertThat(new String(X402Codec.toJson(SETTLED), UTF_8)).isEqualTo("{\"success\":true,\"payer\":\"buyer-7\","
                + "\"transaction\":\"rcpt_123\",\"network\":\"tollgate:acme\",\"amount\":\"50000\","
                + "\"extra\":{\"remaining\":\"950000\"}}");
    }

    @Test
    void writesEmptyExtraWhenNoneIsGiven() {
        PaymentRequirements noExtra = new PaymentRequirements("scrip", "tollgate:a", "1", "USD", "s", 1, null);
        assertThat(noExtra.extra()).isEmpty();
        assertThat(new String(X402Codec.toJson(noExtra), UTF_8)).endsWith("\"maxTimeoutSeconds\":1,\"extra\":{}}");
    }

    @Test
    void encodesHeaderAsPaddedStandardBase64OfJson() {
        String header = X402Codec.encodeHeader(REQUIRED);
        assertThat(new String(Base64.getDecoder().decode(header), UTF_8)).isEqualTo(REQUIRED_JSON);
        assertThat(header).matches("[A-Za-z0-9+/]*={0,2}").hasSize((REQUIRED_JSON.length() + 2) / 3 * 4);
    }

    @Test
    void roundTripsEveryRecordThroughHeader() throws MalformedPaymentException {
        assertThat(X402Codec.decodeHeader(X402Codec.encodeHeader(REQUIRED), PaymentRequired.class)).isEqualTo(REQUIRED);
        assertThat(X402Codec.decodeHeader(X402Codec.encodeHeader(PAYLOAD), PaymentPayload.class)).isEqualTo(PAYLOAD);
        assertThat(X402Codec.decodeHeader(X402Codec.encodeHeader(SETTLED), SettlementResponse.class))
                .isEqualTo(SETTLED);
        assertThat(X402Codec.decodeHeader(X402Codec.encodeHeader(REQUIREMENTS), PaymentRequirements.class))
                .isEqualTo(REQUIREMENTS);
        assertThat(X402Codec.decodeHeader(X402Codec.encodeHeader(RESOURCE), ResourceInfo.class)).isEqualTo(RESOURCE);
    }

    @Test
    void roundTripsThroughJsonBytes() throws MalformedPaymentException {
        assertThat(X402Codec.fromJson(X402Codec.toJson(PAYLOAD), PaymentPayload.class)).isEqualTo(PAYLOAD);
    }

    @Test
    void decodesOfficialSpecificationExample() throws MalformedPaymentException {
        // The PAYMENT-REQUIRED example of coinbase/x402 specs/transports-v2/http.md.
        String header = "eyJ4NDAyVmVyc2lvbiI6MiwiZXJyb3IiOiJQQVlNRU5ULVNJR05BVFVSRSBoZWFkZXIgaXMgcmVxdWlyZWQiLCJyZXNv"
                + "dXJjZSI6eyJ1cmwiOiJodHRwczovL2FwaS5leGFtcGxlLmNvbS9wcmVtaXVtLWRhdGEiLCJkZXNjcmlwdGlvbiI6IkFjY2Vzcy"
                + "B0byBwcmVtaXVtIG1hcmtldCBkYXRhIiwibWltZVR5cGUiOiJhcHBsaWNhdGlvbi9qc29uIn0sImFjY2VwdHMiOlt7InNjaGVt"
                + "ZSI6ImV4YWN0IiwibmV0d29yayI6ImVpcDE1NTo4NDUzMiIsImFtb3VudCI6IjEwMDAwIiwiYXNzZXQiOiIweDAzNkNiRDUzOD"
                + "QyYzU0MjY2MzRlNzkyOTU0MWVDMjMxOGYzZENGN2UiLCJwYXlUbyI6IjB4MjA5NjkzQmM2YWZjMEM1MzI4YkEzNkZhRjAzQzUx"
                + "NEVGMzEyMjg3QyIsIm1heFRpbWVvdXRTZWNvbmRzIjo2MCwiZXh0cmEiOnsibmFtZSI6IlVTREMiLCJ2ZXJzaW9uIjoiMiJ9fV"
                + "19";
        PaymentRequired required = X402Codec.decodeHeader(header, PaymentRequired.class);
        assertThat(required.resource().url()).isEqualTo("https://api.example.com/premium-data");
        assertThat(required.accepts()).singleElement().satisfies(r -> {
            assertThat(r.network()).isEqualTo("eip155:84532");
            assertThat(r.amount()).isEqualTo("10000");
            assertThat(r.maxTimeoutSeconds()).isEqualTo(60);
            assertThat(r.extra()).containsEntry("version", "2");
        });
    }

    @Test
    void acceptsBase64UrlWithoutPadding() throws MalformedPaymentException {
        // A '?' in the URL makes the standard alphabet emit '/' or '+', so the url form differs.
        PaymentPayload payload = new PaymentPayload(2, new ResourceInfo("https://x.test/a?b=~~~", null, null),
                REQUIREMENTS, Map.of("token", "??>>"), null);
        String url = Base64.getUrlEncoder().withoutPadding().encodeToString(X402Codec.toJson(payload));
        assertThat(url).containsAnyOf("-", "_");
        assertThat(X402Codec.decodeHeader(url, PaymentPayload.class)).isEqualTo(payload);
    }

    @Test
    void acceptsStandardBase64WithoutPadding() throws MalformedPaymentException {
        String header = X402Codec.encodeHeader(PAYLOAD).replace("=", "");
        assertThat(X402Codec.decodeHeader(header, PaymentPayload.class).payloadString("token"))
                .isEqualTo("eyJ.secret.token");
    }

    @Test
    void ignoresUnknownFields() throws MalformedPaymentException {
        String json = "{\"x402Version\":2,\"future\":{\"a\":[1,2]},\"accepted\":" + ACCEPTED_JSON.replace("}",
                ",\"newField\":true}") + ",\"payload\":{\"token\":\"t\"}}";
        PaymentPayload payload = decode(json, PaymentPayload.class);
        assertThat(payload.payloadString("token")).isEqualTo("t");
        assertThat(payload.accepted().extra()).isEmpty();
    }

    @Test
    void rejectsEmptyHeader() {
        assertMalformed(() -> X402Codec.decodeHeader("", PaymentPayload.class), "header is empty");
        assertMalformed(() -> X402Codec.decodeHeader(null, PaymentPayload.class), "header is empty");
    }

    @Test
    void rejectsOversizedHeaderBeforeDecoding() {
        String huge = "!".repeat(100 * 1024);
        assertMalformed(() -> X402Codec.decodeHeader(huge, PaymentPayload.class), "header is longer than 16384 bytes");
    }

    @Test
    void rejectsNonBase64() {
        assertMalformed(() -> X402Codec.decodeHeader("not base64!", PaymentPayload.class), "header is not base64");
        assertMalformed(() -> X402Codec.decodeHeader("ab+c-d", PaymentPayload.class), "header is not base64");
        assertMalformed(() -> X402Codec.decodeHeader("abcde", PaymentPayload.class), "header is not base64");
    }

    @Test
    void rejectsNonJsonWithoutEchoingIt() {
        String header = Base64.getEncoder().encodeToString("secret-token-xyz".getBytes(UTF_8));
        assertThatThrownBy(() -> X402Codec.decodeHeader(header, PaymentPayload.class))
                .isInstanceOf(MalformedPaymentException.class)
                .hasMessageStartingWith("header is not JSON: ")
                .message().doesNotContain("secret").doesNotContain(header);
    }

    @Test
    void rejectsTruncatedJson() {
        assertMalformed(() -> decode("{\"x402Version\":2,", PaymentPayload.class),
                "header is not JSON: unexpected end of input");
    }

    @Test
    void rejectsJsonThatIsNotAnObject() {
        assertMalformed(() -> decode("[1,2]", PaymentPayload.class), "header is not a JSON object");
        assertMalformed(() -> decode("\"x\"", PaymentPayload.class), "header is not a JSON object");
    }

    @Test
    void rejectsTrailingData() {
        assertMalformed(() -> decode(new String(X402Codec.toJson(PAYLOAD), UTF_8) + "{}", PaymentPayload.class),
                "header is not JSON: trailing data after the value");
    }

    @Test
    void rejectsWrongVersion() {
        assertMalformed(() -> decode("{\"x402Version\":1,\"scheme\":\"exact\",\"network\":\"base\",\"payload\":{}}",
                PaymentPayload.class), "x402Version must be 2, got 1");
        assertMalformed(() -> decode("{\"x402Version\":\"2\"}", PaymentRequired.class),
                "x402Version must be 2, got a string");
        assertMalformed(() -> decode("{\"accepts\":[]}", PaymentRequired.class), "missing field 'x402Version'");
    }

    @Test
    void rejectsMissingAccepted() {
        assertMalformed(() -> decode("{\"x402Version\":2,\"payload\":{\"token\":\"t\"}}", PaymentPayload.class),
                "missing field 'accepted'");
    }

    @Test
    void namesMissingNestedField() {
        String json = "{\"x402Version\":2,\"accepted\":" + ACCEPTED_JSON.replace("\"payTo\":\"seller-1\",", "")
                + ",\"payload\":{}}";
        assertMalformed(() -> decode(json, PaymentPayload.class), "missing field 'accepted.payTo'");
    }

    @Test
    void rejectsMissingPrimitiveField() {
        assertMalformed(() -> decode("{\"network\":\"n\"}", SettlementResponse.class), "missing field 'success'");
        assertMalformed(() -> decode("{\"success\":null,\"network\":\"n\"}", SettlementResponse.class),
                "missing field 'success'");
    }

    @Test
    void rejectsNumberWhereStringBelongs() {
        String json = "{\"x402Version\":2,\"accepted\":" + ACCEPTED_JSON.replace("\"50000\"", "50000")
                + ",\"payload\":{}}";
        assertMalformed(() -> decode(json, PaymentPayload.class), "field 'accepted.amount' has the wrong type");
    }

    @Test
    void rejectsInvalidValues() {
        assertMalformed(() -> decode("{\"x402Version\":2,\"resource\":{\"url\":\"u\"},\"accepts\":[]}",
                PaymentRequired.class), "invalid PaymentRequired: accepts cannot be empty.");
        assertMalformed(() -> decode(ACCEPTED_JSON.replace(":60", ":0"), PaymentRequirements.class),
                "invalid PaymentRequirements: maxTimeoutSeconds must be positive, got 0.");
    }

    @Test
    void rejectsDuplicateKeys() {
        assertMalformed(() -> decode("{\"x402Version\":2,\"x402Version\":2}", PaymentPayload.class),
                "header is not JSON: duplicate key");
        assertMalformed(() -> decode("{\"x402Version\":2,\"accepted\":" + ACCEPTED_JSON
                + ",\"payload\":{\"token\":\"a\",\"token\":\"b\"}}", PaymentPayload.class),
                "header is not JSON: duplicate key");
    }

    @Test
    void rejectsDeepNesting() {
        String deep = "[".repeat(100) + "]".repeat(100);
        String json = "{\"x402Version\":2,\"accepted\":" + ACCEPTED_JSON + ",\"payload\":{\"t\":" + deep + "}}";
        assertMalformed(() -> decode(json, PaymentPayload.class),
                "header is not JSON: it exceeds the nesting or size limits");
    }

    @Test
    void acceptsNestingWithinLimit() throws MalformedPaymentException {
        String nested = "[".repeat(20) + "]".repeat(20);
        String json = "{\"x402Version\":2,\"accepted\":" + ACCEPTED_JSON + ",\"payload\":{\"t\":" + nested + "}}";
        assertThat(decode(json, PaymentPayload.class).payload()).containsKey("t");
    }

    @Test
    void reportsFromJsonFailuresAsBody() {
        assertMalformed(() -> X402Codec.fromJson("{".getBytes(UTF_8), SettlementResponse.class),
                "body is not JSON: unexpected end of input");
    }

    private static <T> T decode(String json, Class<T> type) throws MalformedPaymentException {
        return X402Codec.decodeHeader(Base64.getEncoder().encodeToString(json.getBytes(UTF_8)), type);
    }

    private static void assertMalformed(ThrowingCallable decode, String message) {
        assertThatThrownBy(decode).isInstanceOf(MalformedPaymentException.class).hasMessage(message);
    }
}
