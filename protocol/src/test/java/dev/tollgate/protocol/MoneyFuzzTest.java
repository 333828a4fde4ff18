package dev.tollgate.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testkit.Fuzz;
import dev.tollgate.testkit.Gen;
import dev.tollgate.testkit.Mutate;
import java.util.Currency;
import org.junit.jupiter.api.Test;

/** Amounts from buyers (the wire form) and from admins (prices) over hostile text. */
final class MoneyFuzzTest {

    private static final Currency USD = Currency.getInstance("USD");

    @Test
    void aWireAmountParsesToItsDigitsOrIsRefusedWithoutEchoingIt() {
        Fuzz.forAll("wire amounts", 5000, random -> random.nextInt(4) == 0 ? Gen.string(random, 30)
                : Mutate.text(Long.toString(Gen.edgyLong(random) & Long.MAX_VALUE), random), text -> {
                    long micros;
                    try {
                        micros = Money.parseMicros(text);
                    } catch (IllegalArgumentException e) {
                        assertThat(e.getMessage()).doesNotContain(text.length() > 3 ? text : "\u0000");
                        return;
                    }
                    assertThat(micros).isNotNegative();
                    assertThat(text).matches("[0-9]{1,19}");
                    assertThat(Long.parseLong(text)).isEqualTo(micros);
                });
    }

    @Test
    void aPriceParsesToANonNegativeExactAmountOrIsRefusedWithAnIllegalArgumentException() {
        Fuzz.forAll("prices", 5000, random -> Mutate.text(Gen.oneOf(random, "0.05", "$0.05", "0.05 USD", "USD 0.05",
                "€1", "£0.000001", "1000000", "0.1 EUR"), random), text -> {
                    Money price;
                    try {
                        price = Money.parse(text, USD);
                    } catch (IllegalArgumentException e) {
                        assertThat(e.getMessage()).isNotBlank();
                        return;
                    }
                    assertThat(price.micros()).isNotNegative();
                    assertThat(Money.parse(price.toString(), USD)).isEqualTo(price);
                });
    }
}
