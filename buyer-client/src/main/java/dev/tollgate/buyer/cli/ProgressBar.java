package dev.tollgate.buyer.cli;

import dev.tollgate.buyer.Download;
import dev.tollgate.protocol.Money;
import java.io.PrintWriter;
import java.util.Currency;

/**
 * A one-line progress bar on standard error: bytes written (of the total once known) and money paid so far,
 * redrawn at most every 64 KiB and at the end. Used by one thread.
 */
final class ProgressBar implements Download.Progress {

    private static final int WIDTH = 30;
    private static final long STEP = 64 * 1024;

    private final PrintWriter err;
    private final Currency currency;
    private long drawnAt = -1;

    ProgressBar(PrintWriter err, String currency) {
        this.err = err;
        this.currency = Currency.getInstance(currency);
    }

    @Override
    public void update(long bytes, long total, long paidMicros) {
        if (drawnAt >= 0 && bytes - drawnAt < STEP && bytes != total) {
            return;
        }
        drawnAt = bytes;
        err.print("\r" + line(bytes, total, paidMicros));
        err.flush();
    }

    void done(Download download) {
        err.println("\r" + line(download.bytes(), download.bytes(), download.paidMicros()));
    }

    private String line(long bytes, long total, long paidMicros) {
        String paid = "paid " + Money.ofMicros(paidMicros, currency);
        if (total <= 0) {
            return String.format("%s  %s", size(bytes), paid);
        }
        int filled = (int) (WIDTH * Math.min(bytes, total) / total);
        return String.format("[%s%s] %3d%% %s / %s  %s", "#".repeat(filled), " ".repeat(WIDTH - filled),
                100 * Math.min(bytes, total) / total, size(bytes), size(total), paid);
    }

    private static String size(long bytes) {
        return bytes < 1024 ? bytes + " B" : String.format("%.1f KiB", bytes / 1024.0);
    }
}
