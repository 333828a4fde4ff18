package dev.tollgate.broker;

import static dev.tollgate.broker.TestBrokers.get;
import static dev.tollgate.broker.TestBrokers.post;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.tollgate.broker.TestBrokers.Answer;
import dev.tollgate.broker.TestBrokers.Buyer;

final class AccountsApiTest {

    @TempDir
    Path dir;

    private Broker broker;

    @AfterEach
    void close() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void aDemoAccountIsCreatedFundedAndShownByMe() {
        broker = TestBrokers.startDemo(dir);

        Answer created = post(broker, "/v1/accounts", "{\"deposit\":\"2500000\"}", null);

        assertThat(created.status()).isEqualTo(201);
        assertThat(created.text("account")).startsWith("acct_");
        assertThat(created.text("apiKey")).startsWith("tgk." + created.text("account") + ".");
        assertThat(created.text("balance")).isEqualTo("2500000");
        assertThat(created.response().headers().firstValue("Cache-Control")).contains("no-store");

        Answer me = get(broker, "/v1/accounts/me", created.text("apiKey"));
        assertThat(me.status()).isEqualTo(200);
        assertThat(me.text("account")).isEqualTo(created.text("account"));
        assertThat(me.text("balance")).isEqualTo("2500000");
        assertThat(me.text("reserved")).isEqualTo("0");
        assertThat(me.json().get("scrip").isArray()).isTrue();
        assertThat(me.json().get("scrip")).isEmpty();
    }

    @Test
    void aDemoAccountWithoutABodyGetsTheDefaultDepositRecordedInTheLedger() throws Exception {
        broker = TestBrokers.startDemo(dir);

        Answer created = TestBrokers.send(TestBrokers.request(broker, "/v1/accounts", null)
                .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build());

        assertThat(created.status()).isEqualTo(201);
        assertThat(created.micros("balance")).isEqualTo(ScripRules.DEFAULT_DEMO_DEPOSIT_MICROS);
        assertThat(broker.statements().totals().deposits()).isEqualTo(ScripRules.DEFAULT_DEMO_DEPOSIT_MICROS);
    }

    @Test
    void aDemoDepositAboveTheCapIsRefused() {
        broker = TestBrokers.startDemo(dir);

        Answer a = post(broker, "/v1/accounts", "{\"deposit\":\"100000001\"}", null);

        assertThat(a.status()).isEqualTo(400);
        assertThat(a.text("error")).isEqualTo("invalid_amount");
    }

    @Test
    void accountCreationIsNotFoundWithoutDemoMode() {
        broker = TestBrokers.builder(dir).build().start();

        Answer a = post(broker, "/v1/accounts", "{}", null);

        assertThat(a.status()).isEqualTo(404);
        assertThat(a.text("error")).isEqualTo("not_found");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer not-a-key",
            "Bearer tgk.acct_0000000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})
    void aMissingOrWrongApiKeyIsUnauthorizedWithoutDetail(String authorization) {
        broker = TestBrokers.startDemo(dir);
        TestBrokers.newBuyer(broker, 1_000_000);

        var request = TestBrokers.request(broker, "/v1/accounts/me", null);
        if (!authorization.isEmpty()) {
            request.header("Authorization", authorization);
        }
        Answer a = TestBrokers.send(request.GET().build());

        assertThat(a.status()).isEqualTo(401);
        assertThat(a.text("error")).isEqualTo("unauthorized");
        assertThat(a.text("message")).isEqualTo("a valid API key is required: Authorization: Bearer <key>");
        assertThat(a.response().headers().firstValue("WWW-Authenticate")).contains("Bearer realm=\"tollgate-broker\"");
    }

    @Test
    void anotherBuyersKeyWithTheRightAccountIdIsUnauthorized() {
        broker = TestBrokers.startDemo(dir);
        Buyer alice = TestBrokers.newBuyer(broker, 1_000_000);
        Buyer bob = TestBrokers.newBuyer(broker, 1_000_000);
        String forged = "tgk." + alice.account() + bob.apiKey().substring(bob.apiKey().lastIndexOf('.'));

        Answer a = get(broker, "/v1/accounts/me", forged);

        assertThat(a.status()).isEqualTo(401);
        assertThat(a.body()).doesNotContain(alice.account());
    }

    @Test
    void scripIssuanceWithoutAnApiKeyIsUnauthorizedBeforeTheBodyIsRead() {
        broker = TestBrokers.startDemo(dir);

        Answer a = post(broker, "/v1/scrip", "not json", null);

        assertThat(a.status()).isEqualTo(401);
        assertThat(a.text("error")).isEqualTo("unauthorized");
    }
}
