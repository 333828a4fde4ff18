package dev.tollgate.gateway.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

final class StreamClaimKeyTest {

    @Test
    void aBuyerIdContainingTheStreamSeparatorCannotNameAnotherBuyersStream() {
        String issuer = "https://broker.test";
        String crafted = new StreamClaims.Key(issuer, "a}:stream:b", "c").redisKey();
        String victim = new StreamClaims.Key(issuer, "a", "b}:stream:c").redisKey();

        assertThat(crafted).isNotEqualTo(victim);
        assertThat(victim).isEqualTo("tollgate:{buyer:19:https://broker.test:1:a}:stream:b}:stream:c");
    }
}
