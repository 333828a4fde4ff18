package dev.tollgate.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Currency;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

final class MoneyTest {

    private static final Currency USD = Currency.getInstance("USD");
    private static final Currency EUR = Currency.getInstance("EUR");
    private static final Currency GBP = Currency.getInstance("GBP");

    @Test
    void parsesPlainDecimalInDefaultCurrency() {
        assertThat(Money.parse("0.05", USD)).isEqualTo(new Money(50_000, USD));
        assertThat(Money.parse("0.05", EUR)).isEqualTo(new Money(50_000, EUR));
    }

    @Test
    void parsesDollarSign() {
        assertThat(Money.parse("$0.05", EUR)).isEqualTo(new Money(50_000, USD));
    }

    @Test
    void parsesEuroAndPoundSigns() {
        assertThat(Money.parse("€1.5", USD)).isEqualTo(new Money(1_500_000, EUR));
        assertThat(Money.parse("£2", USD)).isEqualTo(new Money(2_000_000, GBP));
    }

    @Test
    void parsesTrailingCurrencyCode() {
        assertThat(Money.parse("0.05 EUR", USD)).isEqualTo(new Money(50_000, EUR));
    }

    @Test
    void parsesLeadingCurrencyCode() {
        assertThat(Money.parse("EUR 0.05", USD)).isEqualTo(new Money(50_000, EUR));
    }

    @Test
    void parsesSymbolWithMatchingCode() {
        assertThat(Money.parse("$0.05 USD", EUR)).isEqualTo(new Money(50_000, USD));
    }

    @Test
    void parsesWithoutDefaultWhenCurrencyIsNamed() {
        assertThat(Money.parse("3 GBP", null)).isEqualTo(new Money(3_000_000, GBP));
    }

    @ParameterizedTest
    @CsvSource({
        "0, 0",
        "12, 12000000",
        "0.000001, 1",
        "0.1, 100000",
        "0.10000000, 100000",
        "007.5, 7500000",
        "9223372036854.775807, 9223372036854775807",
    })
    void parsesAmountsToMicros(String text, long micros) {
        assertThat(Money.parse(text, USD).micros()).isEqualTo(micros);
    }

    @Test
    void ignoresSurroundingWhitespace() {
        assertThat(Money.parse("  \t$0.05 \n", USD)).isEqualTo(new Money(50_000, USD));
        assertThat(Money.parse(" 0.05   USD ", EUR)).isEqualTo(new Money(50_000, USD));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-0.05", "$-0.05", "-$0.05", "-1 USD"})
    void rejectsNegativeAmounts(String text) {
        assertThatThrownBy(() -> Money.parse(text, USD))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("price must not be negative: " + text);
    }

    @Test
    void rejectsMoreThanSixDecimals() {
        assertThatThrownBy(() -> Money.parse("0.0000001", USD))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("0.0000001 has more than 6 decimals; the smallest amount is 0.000001");
    }

    @Test
    void rejectsAmountsBeyondLongMicros() {
        assertThatThrownBy(() -> Money.parse("9223372036854.775808", USD))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("9223372036854.775808 is too large; the largest amount is 9223372036854.775807");
        assertThatThrownBy(() -> Money.parse("100000000000000000000000", USD))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is too large");
    }

    @Test
    void rejectsUnknownCurrencyCode() {
        assertThatThrownBy(() -> Money.parse("0.05 XYZ", USD))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown currency 'XYZ'");
    }

    @Test
    void rejectsSymbolThatContradictsCode() {
        assertThatThrownBy(() -> Money.parse("$0.05 EUR", USD))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("price $0.05 EUR has symbol $ (USD) but currency code EUR");
    }

    @Test
    void rejectsMissingCurrencyWithoutDefault() {
        assertThatThrownBy(() -> Money.parse("0.05", null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("price 0.05 names no currency and there is no default");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "\t"})
    void rejectsEmptyPrice(String text) {
        assertThatThrownBy(() -> Money.parse(text, USD))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("price must not be empty.");
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "NaN", "+1", "+0.05", "1,000", "$", "0x10", ".5", "5.", "Infinity", "0.05USD",
        "1 2"})
    void rejectsGarbage(String text) {
        assertThatThrownBy(() -> Money.parse(text, USD))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(text.strip());
    }

    @ParameterizedTest
    @ValueSource(strings = {"1e3", "1E3", "5e-2"})
    void rejectsExponents(String text) {
        assertThatThrownBy(() -> Money.parse(text, USD))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(text + " uses an exponent; write a plain decimal such as 0.05");
    }

    @Test
    void rejectsMultipleDots() {
        assertThatThrownBy(() -> Money.parse("1.2.3", USD))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("1.2.3 has more than one decimal point");
    }

    @Test
    void rejectsMoreThanAmountAndCode() {
        assertThatThrownBy(() -> Money.parse("0.05 USD EUR", USD))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("price is not an amount and a currency code: 0.05 USD EUR");
    }

    @Test
    void rejectsNullPrice() {
        assertThatThrownBy(() -> Money.parse(null, USD))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("price cannot be null.");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "1", "12", "0.05", "0.1", "0.000001", "1.000001", "123.456789", "1000000",
        "9223372036854.775807"})
    void printsDecimalStringThatParsesBack(String text) {
        Money money = Money.parse(text, USD);
        assertThat(money.toDecimalString()).isEqualTo(text);
        assertThat(Money.parse(money.toDecimalString(), USD)).isEqualTo(money);
    }

    @Test
    void printsWholeNumbersWithoutDecimals() {
        assertThat(Money.ofMicros(12_000_000, USD).toDecimalString()).isEqualTo("12");
        assertThat(Money.ofMicros(0, USD).toDecimalString()).isEqualTo("0");
        assertThat(Money.ofMicros(10_000_000, USD).toDecimalString()).isEqualTo("10");
    }

    @Test
    void printsAmountAndCode() {
        assertThat(Money.ofMicros(50_000, USD)).hasToString("0.05 USD");
    }

    @ParameterizedTest
    @CsvSource({"100000, 0.10 USD", "1000, 0.001 USD", "50000, 0.05 USD", "0, 0.00 USD", "12000000, 12.00 USD",
        "1, 0.000001 USD", "1234567, 1.234567 USD", "2000, 0.002 USD"})
    void displaysTwoDecimalsAndMoreOnlyWhenTheAmountNeedsThem(long micros, String shown) {
        assertThat(Money.ofMicros(micros, USD).toDisplayString()).isEqualTo(shown);
        assertThat(Money.display(micros, USD)).isEqualTo(shown);
        assertThat(Money.parse(shown, null)).isEqualTo(Money.ofMicros(micros, USD));
    }

    @Test
    void printsMicrosString() {
        assertThat(Money.ofMicros(50_000, USD).microsString()).isEqualTo("50000");
        assertThat(Money.ofMicros(Long.MAX_VALUE, USD).microsString()).isEqualTo("9223372036854775807");
    }

    @ParameterizedTest
    @CsvSource({"0, 0", "50000, 50000", "007, 7", "9223372036854775807, 9223372036854775807"})
    void parsesWireMicros(String text, long micros) {
        assertThat(Money.parseMicros(text)).isEqualTo(micros);
    }

    @ParameterizedTest
    @ValueSource(strings = {"+5", "-5", " 5", "5 ", "5.0", "1e3", "abc", "٣"})
    void rejectsWireMicrosWithNonDigits(String text) {
        assertThatThrownBy(() -> Money.parseMicros(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("amount must contain only the digits 0-9; index ");
    }

    @Test
    void rejectsEmptyWireMicros() {
        assertThatThrownBy(() -> Money.parseMicros(""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("amount must not be empty.");
    }

    @Test
    void rejectsWireMicrosBeyondLong() {
        assertThatThrownBy(() -> Money.parseMicros("9223372036854775808"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("amount exceeds 9223372036854775807 micro-units.");
        assertThatThrownBy(() -> Money.parseMicros("99999999999999999999"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("amount has more than 19 digits.");
    }

    @Test
    void rejectsNegativeMicrosAndNullCurrency() {
        assertThatThrownBy(() -> new Money(-1, USD))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("micros must not be negative, got -1.");
        assertThatThrownBy(() -> Money.ofMicros(1, null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("currency cannot be null.");
    }

    @Test
    void addsAndSubtracts() {
        Money a = Money.ofMicros(70_000, USD);
        Money b = Money.ofMicros(50_000, USD);
        assertThat(a.plus(b)).isEqualTo(Money.ofMicros(120_000, USD));
        assertThat(a.minus(b)).isEqualTo(Money.ofMicros(20_000, USD));
        assertThat(a.minus(a).isZero()).isTrue();
        assertThat(a.isZero()).isFalse();
    }

    @Test
    void rejectsAdditionOverflow() {
        Money max = Money.ofMicros(Long.MAX_VALUE, USD);
        assertThatThrownBy(() -> max.plus(Money.ofMicros(1, USD)))
                .isInstanceOf(ArithmeticException.class)
                .hasMessage("9223372036854.775807 USD + 0.000001 USD overflows 9223372036854775807 micro-units.");
    }

    @Test
    void rejectsSubtractionBelowZero() {
        assertThatThrownBy(() -> Money.ofMicros(1, USD).minus(Money.ofMicros(2, USD)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cannot subtract 0.000002 USD from 0.000001 USD: the result would be negative.");
    }

    @Test
    void rejectsArithmeticAcrossCurrencies() {
        Money usd = Money.ofMicros(1, USD);
        Money eur = Money.ofMicros(1, EUR);
        assertThatThrownBy(() -> usd.plus(eur))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cannot add 0.000001 EUR and 0.000001 USD: the currencies differ.");
        assertThatThrownBy(() -> usd.minus(eur)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> usd.compareTo(eur)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void comparesBySize() {
        assertThat(Money.ofMicros(1, USD)).isLessThan(Money.ofMicros(2, USD));
        assertThat(Money.ofMicros(2, USD).compareTo(Money.ofMicros(2, USD))).isZero();
    }
}
