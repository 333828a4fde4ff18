package dev.tollgate.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

final class ScripReferenceTest {

    private static final String REFERENCE = "1.demo.NPrX1f3TyUW7ob2XfzKgHw.1764123456.q0sV3kYh1Kx8bJYtqk3w9A";

    @Test
    void aHeaderReadsBackAsWritten() throws Exception {
        ScripReference plain = new ScripReference(REFERENCE, 50_000, null);
        ScripReference named = new ScripReference(REFERENCE, 50_000, "pay_7d5d747be160e280504c099d984bcfe0");

        assertThat(plain.header()).isEqualTo(REFERENCE + "; amount=50000");
        assertThat(ScripReference.parse(plain.header())).isEqualTo(plain);
        assertThat(ScripReference.parse(named.header())).isEqualTo(named);
        assertThat(ScripReference.parse(REFERENCE + ";amount=50000;id=pay_7d5d747be160e280504c099d984bcfe0"))
                .isEqualTo(named);
    }

    @Test
    void aHeaderOfAnotherFormIsRefusedWithoutEchoingIt() {
        for (String header : new String[] {REFERENCE, REFERENCE + "; amount=", REFERENCE + "; amount=-1",
                REFERENCE + "; amount=1.5", REFERENCE + "; price=1", REFERENCE + "; amount=1; id=",
                REFERENCE + "; amount=1; ref=x", REFERENCE + "; amount=1; id=a; id=b", "; amount=1",
                "1.demo.x y.1.t; amount=1", "x".repeat(257) + "; amount=1", REFERENCE + "; amount=1; id="
                + "a".repeat(500)}) {
            assertThatThrownBy(() -> ScripReference.parse(header)).as(header)
                    .isInstanceOf(MalformedPaymentException.class)
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("demo"));
        }
    }
}
