package dev.tollgate.gateway.ledger;

import java.util.Locale;

/**
 * Receipt ids {@code r-<16 hex database id>-<12 hex journal sequence number>}, e.g.
 * {@code r-3f9a1c0e7b2d4a61-00000000002a}. The database id is 64 random bits drawn when the database is created and
 * stored in its {@code meta} table, so ids are unique across nodes; the sequence number is the receipt's journal slot,
 * never reused by the database (it continues after restarts), and the primary key of its {@code charges} row.
 * Thread-safe.
 */
final class ReceiptIds {

    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final int SEQ_DIGITS = 12;
    static final long SEQ_LIMIT = 1L << (4 * SEQ_DIGITS);
    private static final int LENGTH = 2 + 16 + 1 + SEQ_DIGITS;

    private final String databaseId;
    private final char[] template;

    ReceiptIds(String databaseId) {
        if (databaseId.length() != 16) {
            throw new IllegalArgumentException("database id must be 16 hex digits: " + databaseId);
        }
        this.databaseId = databaseId.toLowerCase(Locale.ROOT);
        template = ("r-" + this.databaseId + "-000000000000").toCharArray();
    }

    /** The database's id, 16 lowercase hex digits. */
    String databaseId() {
        return databaseId;
    }

    String format(long seq) {
        if (seq < 0 || seq >= SEQ_LIMIT) {
            throw new IllegalStateException("journal sequence out of range: " + seq);
        }
        char[] id = template.clone();
        long n = seq;
        for (int i = LENGTH - 1; i >= LENGTH - SEQ_DIGITS; i--) {
            id[i] = HEX[(int) n & 0xf];
            n >>>= 4;
        }
        return new String(id);
    }

    /** The sequence number of one of this database's receipt ids, or -1 for anything else. */
    long parse(String receiptId) {
        if (receiptId.length() != LENGTH || !receiptId.startsWith("r-") || receiptId.charAt(18) != '-'
                || !receiptId.regionMatches(2, databaseId, 0, 16)) {
            return -1;
        }
        long seq = 0;
        for (int i = LENGTH - SEQ_DIGITS; i < LENGTH; i++) {
            int digit = Character.digit(receiptId.charAt(i), 16);
            if (digit < 0 || Character.isUpperCase(receiptId.charAt(i))) {
                return -1;
            }
            seq = (seq << 4) | digit;
        }
        return seq;
    }
}
