package dev.tollgate.buyer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A payment echoes the 402's extensions as the official x402 client does, a declared payment-identifier with a fresh
 * id added to what the seller declared. (The demo declares none: OfficialX402ClientTest in sample-content-site checks
 * the echo against the official client there.)
 */
final class EchoedExtensionsTest {

    private static final Map<String, Object> MESSAGE = Map.of("message", "pay 0.05 USD with scrip");
    private static final Map<String, Object> SCHEMA = Map.of("type", "object", "required", List.of("id"));

    @Test
    void theExtensionsOfA402AreEchoedAsTheyCame() {
        Map<String, Object> declared = Map.of("tollgate", MESSAGE);

        assertThat(EchoedExtensions.of(declared, false)).isEqualTo(declared);
        assertThat(EchoedExtensions.of(null, false)).isNull();
    }

    @Test
    @SuppressWarnings("unchecked")
    void aDeclaredPaymentIdentifierKeepsWhatTheSellerDeclaredAndGainsAFreshId() {
        Map<String, Object> declared = Map.of("tollgate", MESSAGE, Offer.PAYMENT_IDENTIFIER,
                Map.of("info", Map.of("required", true), "schema", SCHEMA));

        Map<String, Object> first = EchoedExtensions.of(declared, true);
        Map<String, Object> second = EchoedExtensions.of(declared, true);

        Map<String, Object> identifier = (Map<String, Object>) first.get(Offer.PAYMENT_IDENTIFIER);
        Map<String, Object> info = (Map<String, Object>) identifier.get("info");
        assertThat(first).containsEntry("tollgate", MESSAGE).hasSize(2);
        assertThat(identifier).containsEntry("schema", SCHEMA).hasSize(2);
        assertThat(info).containsEntry("required", true).hasSize(2);
        assertThat((String) info.get("id")).matches("pay_[0-9a-f]{32}"); // 16 to 128 of [A-Za-z0-9_-], as x402 asks
        assertThat(((Map<String, Object>) second.get(Offer.PAYMENT_IDENTIFIER)).get("info"))
                .isNotEqualTo(info);
        assertThat(declared.get(Offer.PAYMENT_IDENTIFIER)).isEqualTo(Map.of("info", Map.of("required", true),
                "schema", SCHEMA));
    }
}
