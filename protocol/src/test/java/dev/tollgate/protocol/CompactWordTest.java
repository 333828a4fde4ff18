package dev.tollgate.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.Test;

final class CompactWordTest {

    private static final String ID = "NPrX1f3TyUW7ob2XfzKgHwNPrX1f3TyUW7ob2XfzKgH";
    private static final byte[] W = new byte[32];

    static {
        new Random(7).nextBytes(W);
    }

    private static final String WORD = PayWord.encodeWord(W);

    private static void assertSame(CompactWord read, CompactWord written) {
        assertThat(read.brokerId()).isEqualTo(written.brokerId());
        assertThat(read.commitmentId()).isEqualTo(written.commitmentId());
        assertThat(read.index()).isEqualTo(written.index());
        assertThat(read.word()).isEqualTo(written.word());
        assertThat(read.amountMicros()).isEqualTo(written.amountMicros());
        assertThat(read.paymentId()).isEqualTo(written.paymentId());
    }

    @Test
    void aHeaderReadsBackAsWritten() throws Exception {
        CompactWord plain = new CompactWord("demo", ID, 9, W, 50_000, null);
        CompactWord named = new CompactWord("demo", ID, 2_147_483_647, W, 0, "pay_7d5d747be160e280504c099d984bcfe0");

        assertThat(plain.header()).isEqualTo("demo." + ID + "; index=9; word=" + WORD + "; amount=50000");
        assertSame(CompactWord.parse(plain.header()), plain);
        assertSame(CompactWord.parse(named.header()), named);
        assertSame(CompactWord.parse("demo." + ID + ";index=2147483647;word=" + WORD
                + ";  amount=0;id=pay_7d5d747be160e280504c099d984bcfe0"), named);
        assertThat(named.header()).hasSizeLessThan(CompactWord.MAX_HEADER_CHARS);
    }

    @Test
    void theLongestHeaderOfTheRightFormFitsTheCap() throws Exception {
        CompactWord longest = new CompactWord("b".repeat(32), ID, Integer.MAX_VALUE, W, Long.MAX_VALUE,
                "i".repeat(128));

        assertThat(longest.header()).hasSizeLessThanOrEqualTo(CompactWord.MAX_HEADER_CHARS);
        assertSame(CompactWord.parse(longest.header()), longest);
    }

    @Test
    void aHeaderOfAnotherFormIsRefusedWithoutEchoingTheWord() {
        String tail = "; index=9; word=" + WORD + "; amount=1";
        for (String header : new String[] {"", ";", ID + tail, "demo" + ID + tail, "demo." + ID.substring(1) + tail,
                "demo." + ID + "x" + tail, "de mo." + ID + tail, "demo." + ID.replace('N', '.') + tail,
                "demo." + ID + "; index=9; word=" + WORD, "demo." + ID + "; word=" + WORD + "; index=9; amount=1",
                "demo." + ID + "; index=; word=" + WORD + "; amount=1",
                "demo." + ID + "; index=+9; word=" + WORD + "; amount=1",
                "demo." + ID + "; index=09; word=" + WORD + "; amount=1",
                "demo." + ID + "; index=9.0; word=" + WORD + "; amount=1",
                "demo." + ID + "; index=2147483648; word=" + WORD + "; amount=1",
                "demo." + ID + "; index=99999999999; word=" + WORD + "; amount=1",
                "demo." + ID + "; index=9; word=" + WORD + "A; amount=1",
                "demo." + ID + "; index=9; word=" + WORD.substring(1) + "; amount=1",
                "demo." + ID + "; index=9; word=" + WORD.substring(0, 42) + "="  + "; amount=1",
                "demo." + ID + "; index=9; word=" + WORD.substring(0, 42) + "B" + "; amount=1",
                "demo." + ID + "; index=9; word=" + WORD + "; amount=",
                "demo." + ID + "; index=9; word=" + WORD + "; amount=-1",
                "demo." + ID + "; index=9; word=" + WORD + "; amount=1; id=",
                "demo." + ID + "; index=9; word=" + WORD + "; amount=1; ref=x",
                "demo." + ID + "; index=9; word=" + WORD + "; amount=1; id=a; id=b",
                "demo." + ID + "; index=9; word=" + WORD + "; amount=1;",
                "demo." + ID + tail + "; id=" + "a".repeat(CompactWord.MAX_HEADER_CHARS)}) {
            assertThatThrownBy(() -> CompactWord.parse(header)).as(header)
                    .isInstanceOf(MalformedPaymentException.class)
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain(WORD.substring(0, 20), ID));
        }
    }

    @Test
    void aWordDecodedInPlaceIsTheWordBase64Decodes() {
        Random random = new Random(12);
        byte[] word = new byte[32];
        for (int i = 0; i < 2000; i++) {
            random.nextBytes(word);
            String text = Base64.getUrlEncoder().withoutPadding().encodeToString(word);
            assertThat(PayWord.decodeWord("xx" + text + ";", 2)).isEqualTo(word);
            assertThat(PayWord.decodeWord(text)).isEqualTo(word);
        }
        assertThatThrownBy(() -> PayWord.decodeWord(WORD.substring(1), 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
