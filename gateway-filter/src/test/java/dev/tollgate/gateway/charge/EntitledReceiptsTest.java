package dev.tollgate.gateway.charge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.http.Receipts;
import org.junit.jupiter.api.Test;

final class EntitledReceiptsTest {

    private static final String BUYER = Receipts.jsonString("buyer-1");

    private final EntitledReceipts receipts = new EntitledReceipts();

    @Test
    void aSegmentOfTheSameEntitlementGetsTheHeaderRenderedForTheFirst() {
        String first = receipts.header("tollgate:test", BUYER, "r-1", 900, "/videos/abc", 1_800_000_000L, "ref-1");
        String second = receipts.header("tollgate:test", BUYER, "r-1", 900, "/videos/abc", 1_800_000_000L, "ref-1");

        assertThat(first).isEqualTo(Receipts.stream("tollgate:test", BUYER, "r-1", 0, 900, "/videos/abc",
                1_800_000_000L, true, "ref-1"));
        assertThat(second).isSameAs(first);
    }

    @Test
    void anythingTheHeaderSaysThatChangedRendersItAgain() {
        String first = receipts.header("tollgate:test", BUYER, "r-1", 900, "/videos/abc", 1_800_000_000L, null);

        assertThat(receipts.header("tollgate:test", BUYER, "r-1", 800, "/videos/abc", 1_800_000_000L, null))
                .isEqualTo(Receipts.stream("tollgate:test", BUYER, "r-1", 0, 800, "/videos/abc", 1_800_000_000L,
                        true, null));
        assertThat(receipts.header("tollgate:test", BUYER, "r-1", 800, "/videos/abc", 1_800_000_000L, "ref-2"))
                .isEqualTo(Receipts.stream("tollgate:test", BUYER, "r-1", 0, 800, "/videos/abc", 1_800_000_000L,
                        true, "ref-2"));
        assertThat(receipts.header("tollgate:test", BUYER, "r-1", 900, "/videos/abc", 1_800_000_060L, null))
                .isNotEqualTo(first);
    }

    @Test
    void receiptsSharingASlotEachGetTheirOwnHeader() {
        // "Aa" and "BB" have the same String.hashCode, so they share a slot.
        String a = receipts.header("tollgate:test", BUYER, "Aa", 900, "/videos/abc", 1_800_000_000L, null);
        String b = receipts.header("tollgate:test", BUYER, "BB", 900, "/videos/abc", 1_800_000_000L, null);

        assertThat(receipts.header("tollgate:test", BUYER, "Aa", 900, "/videos/abc", 1_800_000_000L, null))
                .isEqualTo(a).isNotEqualTo(b);
    }

    @Test
    void aStreamKeyTooLongForTheHeaderIsRenderedEachTimeAndNeverKept() {
        String longKey = "/videos/" + "x".repeat(8_000); // as long as a request line lets it be, left out of the header

        String first = receipts.header("tollgate:test", BUYER, "r-long", 900, longKey, 1_800_000_000L, null);
        String second = receipts.header("tollgate:test", BUYER, "r-long", 900, longKey, 1_800_000_000L, null);

        assertThat(second).isEqualTo(first).isNotSameAs(first).isEqualTo(Receipts.stream("tollgate:test", BUYER,
                "r-long", 0, 900, longKey, 1_800_000_000L, true, null));
    }
}
