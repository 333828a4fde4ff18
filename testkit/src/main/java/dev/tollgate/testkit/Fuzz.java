package dev.tollgate.testkit;

import java.util.Objects;
import java.util.Random;

/**
 * Runs a property over generated inputs, reproducibly: every try draws from its own {@link Random}, seeded from the
 * run's seed, the property's name and the try's number, so a failure is replayed by running again with the seed it
 * names, and one property's tries do not shift when another property changes.
 *
 * <p>{@code mvn verify} runs each property with the fixed {@link #DEFAULT_SEED} and the count of tries its test
 * names, a few seconds each. Longer or other runs are one flag away:
 * <pre>{@code
 * mvn -B verify -Dtollgate.fuzz.seed=42 -Dtollgate.fuzz.scale=20   # another seed, 20 times the tries
 * mvn -B verify -Dtollgate.fuzz.seed=random                         # a new seed each run, printed on failure
 * }</pre>
 *
 * <p>A failure is an {@link AssertionError} naming the property, the try, the seed, the input (escaped, clipped)
 * and the flag that replays it, with the property's exception as its cause. There is no shrinking: inputs are kept
 * small by their generators instead. Stateless; thread-safe.
 */
public final class Fuzz {

    /** System property: the run's seed, a {@code long}, or {@code random} for a new one. */
    public static final String SEED_PROPERTY = "tollgate.fuzz.seed";
    /** System property: a positive whole number that multiplies every property's count of tries. */
    public static final String SCALE_PROPERTY = "tollgate.fuzz.scale";
    /** The seed of {@code mvn verify}. */
    public static final long DEFAULT_SEED = 20_261_202L;

    private static final int MAX_SHOWN_CHARS = 1500;
    private static final long RANDOM_SEED = new java.security.SecureRandom().nextLong();

    /** Makes one input of a property from a source of randomness. */
    @FunctionalInterface
    public interface Generator<T> {
        T next(Random random) throws Exception;
    }

    /** What must hold for every input: throws (an assertion or anything else) when it does not. */
    @FunctionalInterface
    public interface Property<T> {
        void check(T input) throws Exception;
    }

    private Fuzz() {
    }

    /**
     * Checks {@code property} on {@code tries} (times the scale) inputs from {@code generator}.
     *
     * @param name the property's name: it seeds its tries, so keep it stable
     * @throws AssertionError for the first input the property fails on
     */
    public static <T> void forAll(String name, int tries, Generator<? extends T> generator,
                                  Property<? super T> property) {
        Objects.requireNonNull(name, "name cannot be null.");
        long seed = seed();
        int count = tries(tries);
        for (int i = 0; i < count; i++) {
            Random random = random(seed, name, i);
            T input;
            try {
                input = generator.next(random);
            } catch (Throwable e) {
                throw failure(name, seed, i, "(the generator failed)", rethrowFatal(e));
            }
            try {
                property.check(input);
            } catch (Throwable e) {
                throw failure(name, seed, i, describe(input), rethrowFatal(e));
            }
        }
    }

    /** The run's seed: {@value #SEED_PROPERTY}, or {@link #DEFAULT_SEED}. */
    public static long seed() {
        String value = System.getProperty(SEED_PROPERTY, "").trim();
        if (value.isEmpty()) {
            return DEFAULT_SEED;
        }
        if (value.equals("random")) {
            return RANDOM_SEED;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(SEED_PROPERTY + " must be a whole number or 'random', not '" + value
                    + "'");
        }
    }

    /** {@code base} times {@value #SCALE_PROPERTY} (default 1). */
    public static int tries(int base) {
        if (base < 1) {
            throw new IllegalArgumentException("a property needs at least one try, not " + base);
        }
        String value = System.getProperty(SCALE_PROPERTY, "").trim();
        int scale;
        try {
            scale = value.isEmpty() ? 1 : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            scale = 0;
        }
        if (scale < 1) {
            throw new IllegalArgumentException(SCALE_PROPERTY + " must be a positive whole number, not '" + value
                    + "'");
        }
        return Math.toIntExact(Math.min(Integer.MAX_VALUE, (long) base * scale));
    }

    /** The randomness of try {@code index} of the property {@code name} under {@code seed}. */
    public static Random random(long seed, String name, int index) {
        long h = seed;
        for (int i = 0; i < name.length(); i++) {
            h = mix(h + name.charAt(i));
        }
        return new Random(mix(h ^ mix(index + 0x9E3779B97F4A7C15L)));
    }

    /**
     * The message for a property that failed at try {@code index} on {@code input}; also for tests that run their
     * own loop (a sequence of requests against one server) and want the same replay hint.
     */
    public static AssertionError failure(String name, long seed, int index, String input, Throwable cause) {
        AssertionError error = new AssertionError(String.format(
                "property '%s' failed at try %d with seed %d: %s%n  input: %s%n  replay: -D%s=%d",
                name, index, seed, cause == null ? "" : String.valueOf(cause), input, SEED_PROPERTY, seed), cause);
        return error;
    }

    /** An input as a failure shows it: strings quoted and escaped, bytes as text and length, long ones clipped. */
    public static String describe(Object input) {
        if (input instanceof String text) {
            return quote(text);
        }
        if (input instanceof byte[] bytes) {
            return bytes.length + " bytes " + quote(new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1));
        }
        String text = String.valueOf(input);
        return text.length() <= MAX_SHOWN_CHARS ? text : text.substring(0, MAX_SHOWN_CHARS) + "... ("
                + text.length() + " chars)";
    }

    private static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (int i = 0; i < text.length() && out.length() < MAX_SHOWN_CHARS; i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c >= 0x20 && c < 0x7f) {
                out.append(c);
            } else {
                out.append(String.format("\\u%04x", (int) c));
            }
        }
        out.append('"');
        if (out.length() >= MAX_SHOWN_CHARS) {
            out.append("... (").append(text.length()).append(" chars)");
        }
        return out.toString();
    }

    private static Throwable rethrowFatal(Throwable e) {
        if (e instanceof VirtualMachineError && !(e instanceof StackOverflowError)) {
            throw (VirtualMachineError) e; // out of memory: the run itself is broken, not the property
        }
        return e;
    }

    /** SplitMix64's finalizer. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
