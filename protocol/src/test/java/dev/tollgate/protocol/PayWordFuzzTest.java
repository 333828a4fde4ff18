package dev.tollgate.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.testkit.Fuzz;
import dev.tollgate.testkit.Gen;
import dev.tollgate.testkit.Mutate;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** PayWord words and hash-chain checks over hostile input (docs/PROTOCOL.md section 8). */
final class PayWordFuzzTest {

    @Test
    void aWordOnTheWireDecodesOnlyFromItsOneCanonicalSpelling() {
        Fuzz.forAll("PayWord word decoding", 5000, random -> {
            byte[] word = new byte[PayWord.WORD_BYTES];
            random.nextBytes(word);
            return random.nextInt(5) == 0 ? Gen.string(random, 60) : Mutate.text(PayWord.encodeWord(word), random);
        }, text -> {
            byte[] word;
            try {
                word = PayWord.decodeWord(text);
            } catch (IllegalArgumentException e) {
                return;
            }
            assertThat(word).hasSize(PayWord.WORD_BYTES);
            assertThat(PayWord.encodeWord(word)).isEqualTo(text);
        });
    }

    @Test
    void aWordReachesItsOwnHashesAndNoChangedTarget() {
        Fuzz.forAll("PayWord reaches", 400, random -> {
            byte[] word = new byte[PayWord.WORD_BYTES];
            random.nextBytes(word);
            return new Object[] {word, random.nextInt(50), random.nextInt(PayWord.WORD_BYTES * 8)};
        }, input -> {
            byte[] word = (byte[]) input[0];
            int steps = (int) input[1];
            int bit = (int) input[2];
            byte[] target = PayWord.hash(word, steps);
            assertThat(PayWord.reaches(word, steps, target)).isTrue();
            byte[] other = Arrays.copyOf(target, target.length);
            other[bit / 8] ^= (byte) (1 << (bit % 8));
            assertThat(PayWord.reaches(word, steps, other)).isFalse();
            assertThat(PayWord.reaches(word, steps + 1, target)).isFalse();
        });
    }

    @Test
    void aCommitmentIdIsDefinedForAnyTextAndWordsOfTheWrongSizeAreRefused() {
        Fuzz.forAll("PayWord ids and sizes", 2000, random -> Gen.string(random, 300), text -> {
            assertThat(PayWord.commitmentId(text)).hasSize(PayWord.WORD_CHARS);
            byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            if (bytes.length != PayWord.WORD_BYTES) {
                assertThatThrownBy(() -> PayWord.hash(bytes, 1)).isInstanceOf(IllegalArgumentException.class);
            }
        });
    }
}
