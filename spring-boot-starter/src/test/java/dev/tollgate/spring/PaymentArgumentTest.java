package dev.tollgate.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.Payment;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code Payment} arguments on a real Tomcat, in an app whose gateway is not configured: nothing was paid, so a
 * required {@code Payment} is missing and an optional one empty, whatever the request's parameters claim.
 */
@SpringBootTest(classes = PaymentArgumentTest.App.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
final class PaymentArgumentTest {

    private static final String FORGED = "?buyer=mallory&scripId=s&amountMicros=5&remainingMicros=0&currency=USD"
            + "&receiptId=r";

    @LocalServerPort
    int port;

    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    @Import(Controller.class)
    static class App {
    }

    @RestController
    static class Controller {

        @GetMapping("/required")
        String required(Payment payment) {
            return "served to " + payment.buyer();
        }

        @GetMapping("/model-attribute")
        String modelAttribute(@ModelAttribute Payment payment) {
            return "served to " + payment.buyer();
        }

        @PostMapping("/request-body")
        String requestBody(@RequestBody Payment payment) {
            return "served to " + payment.buyer();
        }

        @GetMapping("/optional")
        String optional(Optional<Payment> payment) {
            return payment.map(Payment::buyer).orElse("nobody paid");
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)));
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Spring's 400 for a missing required argument: the handler, which would say whom it served, never ran. */
    private static void assertTheHandlerDidNotRun(HttpResponse<String> response) {
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).doesNotContain("served to");
    }

    @Test
    void aRequiredPaymentOnAnUnpaidRequestKeepsTheHandlerFromRunning() throws Exception {
        HttpResponse<String> response = get("/required" + FORGED);

        assertTheHandlerDidNotRun(response);
    }

    @Test
    void anOptionalPaymentOnAnUnpaidRequestIsEmptyWhateverTheParametersSay() throws Exception {
        HttpResponse<String> response = get("/optional" + FORGED);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("nobody paid");
    }

    @Test
    void anAnnotatedPaymentIsNeverBoundFromRequestParameters() throws Exception {
        HttpResponse<String> response = get("/model-attribute" + FORGED);

        assertTheHandlerDidNotRun(response);
    }

    @Test
    void aPaymentIsNeverReadFromARequestBody() throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/request-body"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"buyer\":\"mallory\",\"scripId\":\"s\","
                        + "\"amountMicros\":5,\"remainingMicros\":0,\"currency\":\"USD\",\"receiptId\":\"r\"}")));

        assertTheHandlerDidNotRun(response);
    }
}
