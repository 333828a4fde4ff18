package dev.tollgate.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

final class PayWordTest {

    private static final HexFormat HEX = HexFormat.of();

    @Test
    void hashOfTheZeroWordIsTheKnownSha256() {
        // SHA-256 of 32 zero bytes, a published test value.
        assertThat(HEX.formatHex(PayWord.hash(new byte[32])))
                .isEqualTo("66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925");
    }

    @Test
    void chainWordsHashDownToTheRootComputedIndependently() throws Exception {
        byte[] top = "tollgate payword known answer 01".getBytes(StandardCharsets.US_ASCII);
        PayWordChain chain = PayWordChain.fromTop(top, 5);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] w = top.clone();
        for (int i = 5; i > 0; i--) {
            assertThat(chain.word(i)).isEqualTo(w);
            w = sha.digest(w);
        }
        assertThat(chain.root()).isEqualTo(w);
        assertThat(chain.word(0)).isEqualTo(w);
        assertThat(PayWord.reaches(chain.word(5), 5, chain.root())).isTrue();
        assertThat(PayWord.reaches(chain.word(4), 2, chain.word(2))).isTrue();
        assertThat(PayWord.reaches(chain.word(4), 1, chain.word(2))).isFalse();
    }

    @Test
    void aWordFromAnotherChainDoesNotReachTheRoot() {
        PayWordChain mine = PayWordChain.generate(10, new SecureRandom());
        PayWordChain other = PayWordChain.generate(10, new SecureRandom());
        assertThat(PayWord.reaches(other.word(3), 3, mine.root())).isFalse();
        byte[] forged = mine.word(3);
        forged[0] ^= 1;
        assertThat(PayWord.reaches(forged, 3, mine.root())).isFalse();
    }

    @Test
    void hashingZeroTimesCopiesTheWord() {
        byte[] word = new byte[32];
        byte[] same = PayWord.hash(word, 0);
        assertThat(same).isEqualTo(word).isNotSameAs(word);
    }

    @Test
    void refusesWordsOfTheWrongSizeAndNegativeSteps() {
        assertThatThrownBy(() -> PayWord.hash(new byte[31])).hasMessage("a word is 32 bytes, not 31");
        assertThatThrownBy(() -> PayWord.hash(new byte[32], -1)).hasMessage("times must not be negative: -1");
        assertThatThrownBy(() -> PayWordChain.fromTop(new byte[32], 0)).hasMessage("length must be 1 to 10000000: 0");
    }

    @Test
    void wordsRoundTripThroughBase64urlAndBadTextIsRefused() {
        byte[] word = new byte[32];
        Arrays.fill(word, (byte) 0xfb);
        String text = PayWord.encodeWord(word);
        assertThat(text).hasSize(43).doesNotContain("=", "+", "/");
        assertThat(PayWord.decodeWord(text)).isEqualTo(word);
        for (String bad : new String[] {null, "", text + "A", text.substring(1), text.replace('-', '+'),
            text.substring(0, 42) + "="}) {
            assertThatThrownBy(() -> PayWord.decodeWord(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("base64url");
        }
        // the last character carries 2 spare bits that must be zero
        String nonCanonical = "A".repeat(42) + "B";
        assertThatThrownBy(() -> PayWord.decodeWord(nonCanonical)).hasMessage("a word must be canonical base64url");
    }

    @Test
    void commitmentIdIsTheBase64urlSha256OfTheJwsText() throws Exception {
        String jws = "eyJhbGciOiJFZERTQSJ9.eyJuIjoxMDB9.c2ln";
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(jws.getBytes(StandardCharsets.US_ASCII));
        assertThat(PayWord.commitmentId(jws))
                .isEqualTo(java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(digest))
                .hasSize(43);
    }
}
