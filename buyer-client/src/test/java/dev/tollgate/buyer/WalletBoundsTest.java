package dev.tollgate.buyer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a seller sends is kept within bounds: the latest {@link Wallet#MAX_RECEIPTS} receipts, each text clipped to
 * {@link Receipt#MAX_TEXT_CHARS}, so the wallet file stays readable ({@link WalletFile#MAX_BYTES}) whatever sellers
 * write in their receipts.
 */
final class WalletBoundsTest {

    @TempDir
    Path dir;

    private static Receipt hostile(int i) {
        String huge = "x".repeat(20_000);
        return new Receipt(Instant.EPOCH.plusSeconds(i), "seller-" + i % 3 + huge, "https://shop.example/" + huge,
                huge, huge, 10, huge, "tx-" + i + huge, false, huge);
    }

    @Test
    void aReceiptKeepsAtMostItsBoundOfWhatTheSellerWrote() {
        Receipt r = hostile(1);

        assertThat(r.seller()).hasSize(Receipt.MAX_TEXT_CHARS);
        assertThat(r.transaction()).hasSize(Receipt.MAX_TEXT_CHARS);
        assertThat(r.charge()).hasSize(Receipt.MAX_TEXT_CHARS);
        assertThat(r.url()).hasSize(Receipt.MAX_URL_CHARS);
        assertThat(new Receipt(Instant.EPOCH, "s", "u", "scrip", "per-click", 1, "USD", "t", false, null).seller())
                .isEqualTo("s");
    }

    @Test
    void theWalletKeepsTheLatestReceiptsOnlyAndItsFileStillOpens() throws Exception {
        Path file = dir.resolve("wallet.json");
        Wallet wallet = Wallet.open(file, "https://broker.example", "buyer");
        for (int i = 0; i < Wallet.MAX_RECEIPTS + 50; i++) {
            wallet.record(hostile(i));
        }

        assertThat(wallet.receipts()).hasSize(Wallet.MAX_RECEIPTS);
        assertThat(wallet.receipts().get(0).time()).isEqualTo(Instant.EPOCH.plusSeconds(50));
        assertThat(wallet.totals()).hasSize(3); // the totals count every receipt, the dropped ones too
        assertThat(wallet.totals().values().stream().mapToLong(t -> t[1]).sum()).isEqualTo(Wallet.MAX_RECEIPTS + 50);
        assertThat(Files.size(file)).isLessThan(WalletFile.MAX_BYTES);
        assertThat(Wallet.open(file, "https://broker.example", "buyer").receipts()).hasSize(Wallet.MAX_RECEIPTS);
    }
}
