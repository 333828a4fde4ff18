package dev.tollgate.buyer;

import java.util.List;

/**
 * The outcome of {@link TollgateClient#download}: the file is complete.
 *
 * @param bytes the bytes written
 * @param paidMicros what the download cost, from its receipts
 * @param receipts one per paid request (a metered download pays as it goes, a chunk per request)
 * @since 0.1
 */
public record Download(long bytes, long paidMicros, List<Receipt> receipts) {

    public Download {
        receipts = List.copyOf(receipts);
    }

    /** Told of a download's progress after each block written; called on the downloading thread. */
    @FunctionalInterface
    public interface Progress {

        /**
         * @param bytes bytes written so far
         * @param total the file's length, or -1 while unknown
         * @param paidMicros what was paid so far
         */
        void update(long bytes, long total, long paidMicros);
    }
}
