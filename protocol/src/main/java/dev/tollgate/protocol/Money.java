package dev.tollgate.protocol;

import java.math.BigDecimal;
import java.util.Currency;
import java.util.Locale;
import java.util.Objects;

/**
 * A non-negative amount of money: a count of micro-units (10<sup>-6</sup> of the currency unit) in an ISO 4217
 * currency.
 *
 * <p>The scale is fixed at 6 decimals whatever the currency's own minor units, so that prices far below one cent
 * (the point of micropayments) are exact and every amount fits in a {@code long}. The largest amount is
 * 9223372036854.775807 units. There is deliberately no floating-point anywhere: {@link BigDecimal} appears only to
 * parse and print.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param micros the amount in micro-units; never negative
 * @param currency the currency; never null
 * @since 0.1
 */
public record Money(long micros, Currency currency) implements Comparable<Money> {

    /** Decimal places of a micro-unit. */
    private static final int SCALE = 6;

    /** A {@code long} has at most 19 decimal digits; longer wire amounts cannot fit. */
    private static final int MAX_MICROS_DIGITS = 19;

    /**
     * Validates the components.
     *
     * @throws IllegalArgumentException if {@code micros} is negative
     * @throws NullPointerException if {@code currency} is null
     */
    public Money {
        if (micros < 0) {
            throw new IllegalArgumentException("micros must not be negative, got " + micros + ".");
        }
        Objects.requireNonNull(currency, "currency cannot be null.");
    }

    /**
     * Returns the amount of {@code micros} micro-units of {@code currency}.
     *
     * @param micros a non-negative count of micro-units
     * @param currency the currency
     * @return the amount
     * @throws IllegalArgumentException if {@code micros} is negative
     * @throws NullPointerException if {@code currency} is null
     */
    public static Money ofMicros(long micros, Currency currency) {
        return new Money(micros, currency);
    }

    /**
     * Parses a human-written price: {@code "0.05"}, {@code "$0.05"}, {@code "0.05 USD"} or {@code "USD 0.05"}.
     *
     * <p>The symbols {@code $}, {@code €} and {@code £} mean USD, EUR and GBP. A price without a symbol or code is in
     * {@code defaultCurrency}. At most 6 significant decimals are allowed; signs, exponents, thousands separators and
     * {@code NaN} are rejected rather than guessed at, because a price typo should stop a deployment, not bill users.
     *
     * @param text the price; surrounding whitespace is ignored
     * @param defaultCurrency the currency of a price that names none; may be null if every price names one
     * @return the amount
     * @throws IllegalArgumentException with a message naming {@code text} if it is not a valid price
     * @throws NullPointerException if {@code text} is null
     */
    public static Money parse(String text, Currency defaultCurrency) {
        Objects.requireNonNull(text, "price cannot be null.");
        String price = text.strip();
        if (price.isEmpty()) {
            throw new IllegalArgumentException("price must not be empty.");
        }
        String amount = price;
        Currency coded = null;
        int space = indexOfWhitespace(price);
        if (space >= 0) {
            String first = price.substring(0, space);
            String second = price.substring(space).strip();
            if (indexOfWhitespace(second) >= 0) {
                throw new IllegalArgumentException("price is not an amount and a currency code: " + price);
            }
            boolean codeFirst = isLetters(first);
            amount = codeFirst ? second : first;
            coded = currency(codeFirst ? first : second, price);
        }
        char symbol = amount.charAt(0);
        Currency symbolic = symbolCurrency(symbol);
        if (symbolic != null) {
            amount = amount.substring(1);
        }
        if (amount.startsWith("-")) {
            throw new IllegalArgumentException("price must not be negative: " + price);
        }
        if (symbolic != null && coded != null && !symbolic.equals(coded)) {
            throw new IllegalArgumentException("price " + price + " has symbol " + symbol + " (" + symbolic
                    + ") but currency code " + coded);
        }
        Currency currency = coded != null ? coded : symbolic != null ? symbolic : defaultCurrency;
        if (currency == null) {
            throw new IllegalArgumentException("price " + price + " names no currency and there is no default");
        }
        return new Money(toMicros(amount, price), currency);
    }

    /**
     * Parses the wire form of an amount: a non-negative decimal integer of micro-units such as {@code "50000"}.
     *
     * <p>This runs on the request path, so it scans the characters by hand without allocating. Leading zeros are
     * accepted; signs, spaces, decimal points and anything longer than 19 digits are not. The message never echoes
     * the input, which comes from an untrusted client.
     *
     * @param decimalMicros the micro-units as decimal digits
     * @return the micro-units
     * @throws IllegalArgumentException if {@code decimalMicros} is not such a string or exceeds {@link Long#MAX_VALUE}
     * @throws NullPointerException if {@code decimalMicros} is null
     */
    public static long parseMicros(String decimalMicros) {
        Objects.requireNonNull(decimalMicros, "amount cannot be null.");
        return parseMicros(decimalMicros, 0, decimalMicros.length());
    }

    /**
     * Parses the wire form of an amount from {@code text[from, to)}, as {@link #parseMicros(String)} does, without
     * cutting it out first (a header that carries it among other parts).
     *
     * @throws IllegalArgumentException if those characters are not such an amount
     * @since 0.6
     */
    public static long parseMicros(CharSequence text, int from, int to) {
        int length = to - from;
        if (length <= 0) {
            throw new IllegalArgumentException("amount must not be empty.");
        }
        if (length > MAX_MICROS_DIGITS) {
            throw new IllegalArgumentException("amount has more than " + MAX_MICROS_DIGITS + " digits.");
        }
        long value = 0;
        for (int i = from; i < to; i++) {
            int digit = text.charAt(i) - '0';
            if (digit < 0 || digit > 9) {
                throw new IllegalArgumentException("amount must contain only the digits 0-9; index " + (i - from)
                        + " is not a digit.");
            }
            if (value > (Long.MAX_VALUE - digit) / 10) {
                throw new IllegalArgumentException("amount exceeds " + Long.MAX_VALUE + " micro-units.");
            }
            value = value * 10 + digit;
        }
        return value;
    }

    /**
     * Returns the amount as a plain decimal without trailing zeros: {@code "12"}, {@code "0.05"}, {@code "0.000001"}.
     *
     * @return the decimal form, which {@link #parse} reads back to an equal amount
     */
    public String toDecimalString() {
        return BigDecimal.valueOf(micros, SCALE).stripTrailingZeros().toPlainString();
    }

    /**
     * Returns the amount as people read it, the one form every page prints: at least two decimals, more only when the
     * amount needs them, and the currency code: {@code "0.10 USD"}, {@code "0.001 USD"}, {@code "12.00 EUR"}.
     *
     * @return the amount for display
     * @since 0.6
     */
    public String toDisplayString() {
        BigDecimal amount = BigDecimal.valueOf(micros, SCALE).stripTrailingZeros();
        if (amount.scale() < 2) {
            amount = amount.setScale(2);
        }
        return amount.toPlainString() + " " + currency.getCurrencyCode();
    }

    /**
     * {@link #toDisplayString} of {@code micros} micro-units of {@code currency}.
     *
     * @param micros a non-negative count of micro-units
     * @param currency the currency
     * @return the amount for display
     * @since 0.6
     */
    public static String display(long micros, Currency currency) {
        return new Money(micros, currency).toDisplayString();
    }

    /**
     * Returns the micro-units as decimal digits, the wire form of x402 {@code amount} fields: {@code "50000"}.
     *
     * @return the micro-units; {@link #parseMicros} reads it back
     */
    public String microsString() {
        return Long.toString(micros);
    }

    /**
     * Returns the sum of this and {@code other}.
     *
     * @param other an amount in the same currency
     * @return the sum
     * @throws IllegalArgumentException if the currencies differ
     * @throws ArithmeticException if the sum exceeds {@link Long#MAX_VALUE} micro-units
     */
    public Money plus(Money other) {
        requireSameCurrency(other, "add");
        try {
            return new Money(Math.addExact(micros, other.micros), currency);
        } catch (ArithmeticException e) {
            throw new ArithmeticException(this + " + " + other + " overflows " + Long.MAX_VALUE + " micro-units.");
        }
    }

    /**
     * Returns this minus {@code other}.
     *
     * @param other an amount in the same currency, no larger than this
     * @return the difference
     * @throws IllegalArgumentException if the currencies differ or {@code other} is larger than this
     */
    public Money minus(Money other) {
        requireSameCurrency(other, "subtract");
        if (other.micros > micros) {
            throw new IllegalArgumentException("cannot subtract " + other + " from " + this
                    + ": the result would be negative.");
        }
        return new Money(micros - other.micros, currency);
    }

    /**
     * Tells whether this amount is zero.
     *
     * @return true if {@link #micros()} is 0
     */
    public boolean isZero() {
        return micros == 0;
    }

    /**
     * Orders amounts of the same currency by size.
     *
     * <p>Amounts in different currencies have no meaningful order, so comparing them fails instead of silently
     * ordering by currency code.
     *
     * @throws IllegalArgumentException if the currencies differ
     */
    @Override
    public int compareTo(Money other) {
        requireSameCurrency(other, "compare");
        return Long.compare(micros, other.micros);
    }

    /**
     * Returns the amount and currency code, such as {@code "0.05 USD"}.
     *
     * @return the decimal form and the ISO 4217 code
     */
    @Override
    public String toString() {
        return toDecimalString() + " " + currency.getCurrencyCode();
    }

    private void requireSameCurrency(Money other, String verb) {
        Objects.requireNonNull(other, "other cannot be null.");
        if (!currency.equals(other.currency)) {
            throw new IllegalArgumentException("cannot " + verb + " " + other + " and " + this
                    + ": the currencies differ.");
        }
    }

    private static long toMicros(String amount, String price) {
        validateDecimal(amount, price);
        BigDecimal value = new BigDecimal(amount).stripTrailingZeros();
        if (value.scale() > SCALE) {
            throw new IllegalArgumentException(price + " has more than 6 decimals; the smallest amount is 0.000001");
        }
        try {
            return value.movePointRight(SCALE).longValueExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(price + " is too large; the largest amount is "
                    + BigDecimal.valueOf(Long.MAX_VALUE, SCALE).toPlainString(), e);
        }
    }

    /** BigDecimal accepts exponents and signs, so the plain {@code digits[.digits]} shape is checked first. */
    private static void validateDecimal(String amount, String price) {
        int dot = -1;
        int length = amount.length();
        for (int i = 0; i < length; i++) {
            char c = amount.charAt(i);
            if (c == '.') {
                if (dot >= 0) {
                    throw new IllegalArgumentException(price + " has more than one decimal point");
                }
                dot = i;
            } else if (c == 'e' || c == 'E') {
                throw new IllegalArgumentException(price + " uses an exponent; write a plain decimal such as 0.05");
            } else if (c < '0' || c > '9') {
                throw new IllegalArgumentException(price + " is not a decimal amount such as 0.05");
            }
        }
        if (length == 0 || dot == 0 || dot == length - 1) {
            throw new IllegalArgumentException(price + " is not a decimal amount such as 0.05");
        }
    }

    private static Currency currency(String code, String price) {
        if (!isLetters(code) || code.length() != 3) {
            throw new IllegalArgumentException("price " + price + " has no ISO 4217 currency code; got '" + code
                    + "'");
        }
        try {
            return Currency.getInstance(code.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown currency '" + code + "' in price " + price, e);
        }
    }

    private static Currency symbolCurrency(char symbol) {
        return switch (symbol) {
            case '$' -> Currency.getInstance("USD");
            case '€' -> Currency.getInstance("EUR");
            case '£' -> Currency.getInstance("GBP");
            default -> null;
        };
    }

    private static boolean isLetters(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z')) {
                return false;
            }
        }
        return !s.isEmpty();
    }

    private static int indexOfWhitespace(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isWhitespace(s.charAt(i))) {
                return i;
            }
        }
        return -1;
    }
}
