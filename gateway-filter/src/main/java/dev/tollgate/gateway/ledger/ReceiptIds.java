package dev.tollgate.gateway.ledger;

import java.security.SecureRandom;

/**
 * Makes receipt ids {@code r-<16 hex random per process>-<12 hex counter>}, e.g.
 * {@code r-3f9a1c0e7b2d4a61-00000000002a}. The random prefix is drawn once per {@link SqliteLedger} instance, so ids
 * are unique across nodes and restarts (64 random bits) while each id costs one counter increment. The primary key
 * of the {@code charges} table rejects a collision rather than overwriting a receipt.
 *
 * <p>Not thread-safe: only the ledger's writer thread makes ids.
 */
final class ReceiptIds {

    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final int COUNTER_DIGITS = 12;
    private static final long COUNTER_LIMIT = 1L << (4 * COUNTER_DIGITS);

    private final char[] template;
    private long counter;

    ReceiptIds(SecureRandom random) {
        long prefix = random.nextLong();
        template = new char[2 + 16 + 1 + COUNTER_DIGITS];
        template[0] = 'r';
        template[1] = '-';
        for (int i = 0; i < 16; i++) {
            template[2 + i] = HEX[(int) (prefix >>> (60 - 4 * i)) & 0xf];
        }
        template[18] = '-';
    }

    String next() {
        long n = ++counter;
        if (n >= COUNTER_LIMIT) {
            throw new IllegalStateException("receipt counter exhausted; reopen the ledger");
        }
        char[] id = template.clone();
        for (int i = id.length - 1; i >= id.length - COUNTER_DIGITS; i--) {
            id[i] = HEX[(int) n & 0xf];
            n >>>= 4;
        }
        return new String(id);
    }
}
