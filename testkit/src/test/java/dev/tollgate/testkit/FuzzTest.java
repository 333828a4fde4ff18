package dev.tollgate.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

final class FuzzTest {

    @Test
    void aFailingPropertyNamesItsTryTheSeedTheInputAndTheFlagThatReplaysIt() {
        assertThatThrownBy(() -> Fuzz.forAll("numbers below ten", 1000, random -> random.nextInt(20), n -> {
            if (n >= 10) {
                throw new IllegalStateException("too big");
            }
        })).isInstanceOf(AssertionError.class)
                .hasMessageContaining("property 'numbers below ten' failed at try ")
                .hasMessageContaining("with seed " + Fuzz.seed())
                .hasMessageContaining("replay: -Dtollgate.fuzz.seed=" + Fuzz.seed())
                .hasMessageContaining("too big")
                .hasCauseInstanceOf(IllegalStateException.class);
    }

    @Test
    void theSameSeedNameAndTryGiveTheSameInputsAndOtherNamesOtherOnes() {
        List<Integer> first = new ArrayList<>();
        List<Integer> second = new ArrayList<>();
        List<Integer> other = new ArrayList<>();
        Fuzz.forAll("a", 50, random -> random.nextInt(), first::add);
        Fuzz.forAll("a", 50, random -> random.nextInt(), second::add);
        Fuzz.forAll("b", 50, random -> random.nextInt(), other::add);

        assertThat(first).hasSize(Fuzz.tries(50)).isEqualTo(second).isNotEqualTo(other);
    }

    @Test
    void theSeedAndTheScaleComeFromSystemProperties() {
        String seed = System.getProperty(Fuzz.SEED_PROPERTY);
        String scale = System.getProperty(Fuzz.SCALE_PROPERTY);
        try {
            System.setProperty(Fuzz.SEED_PROPERTY, "42");
            System.setProperty(Fuzz.SCALE_PROPERTY, "3");
            assertThat(Fuzz.seed()).isEqualTo(42);
            assertThat(Fuzz.tries(10)).isEqualTo(30);
            System.setProperty(Fuzz.SCALE_PROPERTY, "0");
            assertThatThrownBy(() -> Fuzz.tries(10)).hasMessageContaining(Fuzz.SCALE_PROPERTY);
        } finally {
            restore(Fuzz.SEED_PROPERTY, seed);
            restore(Fuzz.SCALE_PROPERTY, scale);
        }
    }

    @Test
    void aFailureShowsTheInputEscapedAndClipped() {
        assertThat(Fuzz.describe("a\"b\u0000")).isEqualTo("\"a\\\"b\\u0000\"");
        assertThat(Fuzz.describe("x".repeat(5000))).hasSizeLessThan(1600).endsWith("(5000 chars)");
    }

    @Test
    void mutationsOfAValidInputAreMostlyNearItAndSometimesDifferent() {
        String jws = Mutate.compact("{\"alg\":\"EdDSA\"}".getBytes(), "{\"a\":1,\"b\":[true]}".getBytes(), new byte[64]);
        int changed = 0;
        for (int i = 0; i < 500; i++) {
            Random random = Fuzz.random(1, "mutations", i);
            changed += Mutate.jws(jws, random).equals(jws) ? 0 : 1;
            Mutate.json("{\"a\":1,\"b\":[true]}", random);
            Mutate.yaml("a:\n  b: 1\n  c: [x]\n", random);
            Mutate.form(Map.of("state", "abc", "token", "x.y.z"), random);
            Mutate.text("hello", random);
            Mutate.bytes(new byte[] {1, 2, 3}, random);
        }
        assertThat(changed).isGreaterThan(400);
    }

    private static void restore(String name, String value) {
        if (value == null) {
            System.clearProperty(name);
        } else {
            System.setProperty(name, value);
        }
    }
}
