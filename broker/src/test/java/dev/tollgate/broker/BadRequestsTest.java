package dev.tollgate.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.tollgate.broker.TestBrokers.Answer;
import dev.tollgate.broker.TestBrokers.Buyer;

/** Every bad request is a 4xx with a JSON error and changes nothing; none is a 500. */
final class BadRequestsTest {

    @TempDir
    static Path dir;

    private static Broker broker;
    private static Buyer buyer;

    @BeforeAll
    static void start() {
        broker = TestBrokers.startDemo(dir);
        buyer = TestBrokers.newBuyer(broker, 5_000_000);
    }

    @AfterAll
    static void close() {
        broker.close();
    }

    static Stream<Arguments> badScripBodies() {
        return Stream.of(
                Arguments.of("{", 400, "invalid_json"),
                Arguments.of("[1, 2]", 400, "invalid_json"),
                Arguments.of("\"text\"", 400, "invalid_json"),
                Arguments.of("{\"seller\":\"daily-byte\",\"budget\":\"1000\"} trailing", 400, "invalid_json"),
                Arguments.of("{\"seller\":\"daily-byte\",\"seller\":\"x\",\"budget\":\"1000\"}", 400, "invalid_json"),
                Arguments.of("{}", 400, "invalid_request"),
                Arguments.of("{\"budget\":\"1000\"}", 400, "invalid_request"),
                Arguments.of("{\"seller\":\"daily-byte\"}", 400, "invalid_request"),
                Arguments.of("{\"seller\":42,\"budget\":\"1000\"}", 400, "invalid_request"),
                Arguments.of("{\"seller\":\"a b\",\"budget\":\"1000\"}", 400, "invalid_request"),
                Arguments.of("{\"seller\":\"daily-byte\",\"budget\":\"1000\",\"budjet\":\"1\"}", 400,
                        "invalid_request"),
                Arguments.of("{\"seller\":\"daily-byte\",\"budget\":\"-1000\"}", 400, "invalid_amount"),
                Arguments.of("{\"seller\":\"daily-byte\",\"budget\":\"0\"}", 400, "invalid_amount"),
                Arguments.of("{\"seller\":\"daily-byte\",\"budget\":\"0.5\"}", 400, "invalid_amount"),
                Arguments.of("{\"seller\":\"daily-byte\",\"budget\":\"1e6\"}", 400, "invalid_amount"),
                Arguments.of("{\"seller\":\"daily-byte\",\"budget\":\"\"}", 400, "invalid_amount"),
                Arguments.of("{\"seller\":\"daily-byte\",\"budget\":\" 1000\"}", 400, "invalid_amount"),
                Arguments.of("{\"seller\":\"daily-byte\",\"budget\":1000}", 400, "invalid_amount"),
                Arguments.of("{\"seller\":\"daily-byte\",\"budget\":null}", 400, "invalid_amount"),
                Arguments.of("{\"seller\":\"daily-byte\",\"budget\":\"100000001\"}", 400, "invalid_amount"),
                Arguments.of("{\"seller\":\"daily-byte\",\"budget\":\"9223372036854775807\"}", 400,
                        "invalid_amount"),
                Arguments.of("{\"seller\":\"daily-byte\",\"budget\":\"99999999999999999999999\"}", 400,
                        "invalid_amount"),
                Arguments.of("{\"seller\":\"daily-byte\",\"budget\":\"1000\",\"ttlSeconds\":59}", 400, "invalid_ttl"),
                Arguments.of("{\"seller\":\"daily-byte\",\"budget\":\"1000\",\"ttlSeconds\":86401}", 400,
                        "invalid_ttl"),
                Arguments.of("{\"seller\":\"daily-byte\",\"budget\":\"1000\",\"ttlSeconds\":600.5}", 400,
                        "invalid_ttl"),
                Arguments.of("{\"seller\":\"daily-byte\",\"budget\":\"1000\",\"ttlSeconds\":\"600\"}", 400,
                        "invalid_ttl"),
                Arguments.of("{\"seller\":\"daily-byte\",\"budget\":\"1000\",\"ttlSeconds\":1e100}", 400,
                        "invalid_ttl"),
                Arguments.of("{\"seller\":\"nobody\",\"budget\":\"1000\"}", 404, "unknown_seller"));
    }

    @ParameterizedTest
    @MethodSource("badScripBodies")
    void aBadScripRequestIsAClientErrorWithAStableCodeAndChangesNothing(String body, int status, String code)
            throws Exception {
        Answer a = TestBrokers.post(broker, "/v1/scrip", body, buyer.apiKey());

        assertThat(a.status()).isEqualTo(status);
        assertThat(a.text("error")).isEqualTo(code);
        assertThat(a.text("message")).isNotBlank();
        assertUnchanged();
    }

    @Test
    void aBodyThatIsNotDeclaredJsonIsUnsupportedMediaType() throws Exception {
        Answer a = TestBrokers.send(TestBrokers.request(broker, "/v1/scrip", buyer.apiKey())
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("{\"seller\":\"daily-byte\",\"budget\":\"1000\"}"))
                .build());

        assertThat(a.status()).isEqualTo(415);
        assertThat(a.text("error")).isEqualTo("unsupported_media_type");
        assertUnchanged();
    }

    @Test
    void aJsonContentTypeWithACharsetIsAccepted() {
        Answer a = TestBrokers.send(TestBrokers.request(broker, "/v1/accounts", null)
                .header("Content-Type", "application/json; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString("{\"deposit\":\"1000\"}"))
                .build());

        assertThat(a.status()).isEqualTo(201);
    }

    @Test
    void anOversizedBodyIsRefusedWithoutBeingRead() throws Exception {
        String huge = "{\"seller\":\"daily-byte\",\"budget\":\"1000\",\"pad\":\"" + "x".repeat(70 * 1024) + "\"}";

        Answer a = TestBrokers.post(broker, "/v1/scrip", huge, buyer.apiKey());

        assertThat(a.status()).isEqualTo(413);
        assertThat(a.text("error")).isEqualTo("body_too_large");
        assertUnchanged();
    }

    @Test
    void anOversizedBodyWithoutContentLengthIsRefusedToo() throws Exception {
        String huge = "{\"deposit\":\"1000\",\"pad\":\"" + "x".repeat(70 * 1024) + "\"}";
        byte[] bytes = huge.getBytes(java.nio.charset.StandardCharsets.UTF_8);

        Answer a = TestBrokers.send(TestBrokers.request(broker, "/v1/accounts", null)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(bytes)))
                .build());

        assertThat(a.status()).isEqualTo(413);
        assertThat(a.text("error")).isEqualTo("body_too_large");
    }

    @Test
    void anUnknownPathIsNotFoundAndAWrongMethodIsNotAllowed() {
        assertThat(TestBrokers.get(broker, "/v1/nothing", null).text("error")).isEqualTo("not_found");
        Answer wrongMethod = TestBrokers.get(broker, "/v1/scrip", buyer.apiKey());
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(wrongMethod.text("error")).isEqualTo("method_not_allowed");
    }

    private static void assertUnchanged() throws Exception {
        Answer me = TestBrokers.get(broker, "/v1/accounts/me", buyer.apiKey());
        assertThat(me.micros("balance")).isEqualTo(5_000_000);
        assertThat(me.micros("reserved")).isZero();
    }
}
