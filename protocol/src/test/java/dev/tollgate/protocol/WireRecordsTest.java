package dev.tollgate.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class WireRecordsTest {

    private static final ResourceInfo RESOURCE = new ResourceInfo("https://x.test/", null, null);
    private static final PaymentRequirements REQUIREMENTS =
            new PaymentRequirements("scrip", "tollgate:acme", "1", "USD", "s", 30, null);

    @Test
    void copiesMapsDeeplyAndUnmodifiably() {
        List<Object> list = new ArrayList<>(List.of("a"));
        Map<String, Object> inner = new HashMap<>(Map.of("list", list));
        Map<String, Object> payload = new HashMap<>(Map.of("token", "t", "inner", inner));
        PaymentPayload p = new PaymentPayload(2, null, REQUIREMENTS, payload, null);
        payload.put("token", "changed");
        inner.put("x", 1);
        list.add("b");
        assertThat(p.payloadString("token")).isEqualTo("t");
        assertThat(p.payload().get("inner")).isEqualTo(Map.of("list", List.of("a")));
        assertThatThrownBy(() -> p.payload().put("k", "v")).isInstanceOf(UnsupportedOperationException.class);
        @SuppressWarnings("unchecked")
        Map<String, Object> frozenInner = (Map<String, Object>) p.payload().get("inner");
        assertThatThrownBy(() -> frozenInner.put("k", "v")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void keepsNullValuesInsideJsonObjects() {
        Map<String, Object> extra = new HashMap<>();
        extra.put("nothing", null);
        PaymentRequirements r = new PaymentRequirements("scrip", "tollgate:a", "1", "USD", "s", 1, extra);
        assertThat(r.extra()).containsEntry("nothing", null);
        assertThat(new String(X402Codec.toJson(r), UTF_8))
                .endsWith("\"extra\":{\"nothing\":null}}");
    }

    @Test
    void copiesAcceptsUnmodifiably() {
        List<PaymentRequirements> accepts = new ArrayList<>(List.of(REQUIREMENTS));
        PaymentRequired required = new PaymentRequired(2, null, RESOURCE, accepts, null);
        accepts.clear();
        assertThat(required.accepts()).containsExactly(REQUIREMENTS);
        assertThatThrownBy(() -> required.accepts().add(REQUIREMENTS))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void returnsPayloadStringOnlyForStrings() {
        PaymentPayload p = new PaymentPayload(2, null, REQUIREMENTS, Map.of("token", "t", "n", 5), null);
        assertThat(p.payloadString("token")).isEqualTo("t");
        assertThat(p.payloadString("n")).isNull();
        assertThat(p.payloadString("absent")).isNull();
    }

    @Test
    void rejectsMissingRequiredComponents() {
        assertThatThrownBy(() -> new ResourceInfo(null, "d", "m"))
                .isInstanceOf(NullPointerException.class).hasMessage("url cannot be null.");
        assertThatThrownBy(() -> new PaymentRequirements("scrip", "n", null, "USD", "s", 1, null))
                .isInstanceOf(NullPointerException.class).hasMessage("amount cannot be null.");
        assertThatThrownBy(() -> new PaymentPayload(2, null, null, Map.of(), null))
                .isInstanceOf(NullPointerException.class).hasMessage("accepted cannot be null.");
        assertThatThrownBy(() -> new PaymentPayload(2, null, REQUIREMENTS, null, null))
                .isInstanceOf(NullPointerException.class).hasMessage("payload cannot be null.");
        assertThatThrownBy(() -> new PaymentRequired(2, null, null, List.of(REQUIREMENTS), null))
                .isInstanceOf(NullPointerException.class).hasMessage("resource cannot be null.");
        assertThatThrownBy(() -> new SettlementResponse(false, "e", null, null, null, null, null))
                .isInstanceOf(NullPointerException.class).hasMessage("network cannot be null.");
    }

    @Test
    void rejectsNullAcceptsElement() {
        List<PaymentRequirements> accepts = new ArrayList<>();
        accepts.add(null);
        assertThatThrownBy(() -> new PaymentRequired(2, null, RESOURCE, accepts, null))
                .isInstanceOf(NullPointerException.class).hasMessage("accepts[] cannot be null.");
    }

    @Test
    void rejectsEmptyAcceptsAndNonPositiveTimeout() {
        assertThatThrownBy(() -> new PaymentRequired(2, null, RESOURCE, List.of(), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("accepts cannot be empty.");
        assertThatThrownBy(() -> new PaymentRequirements("scrip", "n", "1", "USD", "s", 0, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxTimeoutSeconds must be positive, got 0.");
    }
}
