package dev.tollgate.gateway.ledger;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * One journal slot's content. The slot layout (64 bytes, little-endian):
 *
 * <pre>
 *  0  long seq             the slot's global number (= the receipt's sequence number for a charge)
 *  8  long scrip id        scrip.id in SQLite
 * 16  long amount          micro-units
 * 24  long created millis  when the charge was made (a refund repeats its charge's)
 * 32  long ref seq         REFUND: the refunded charge's seq; CHARGE: 0, or with {@link #WITH_PAYMENT_ID} the first
 *                          8 bytes of the payment identifier's SHA-256
 * 40  long millis          REFUND: when it was refunded; CHARGE: the end of the entitlement it bought (streams),
 *                          0 for none, or with {@link #WITH_PAYMENT_ID} the next 8 bytes of that SHA-256
 * 48  int  resource id     resources.id in SQLite (a refund repeats its charge's)
 * 52  int  type            1 CHARGE, 2 REFUND; plus {@link #ON_CHAIN} if bytes 8..15 are a chain's row id, plus
 *                          {@link #WITH_PAYMENT_ID} for a CHARGE made under an x402 payment identifier
 * 56  int  CRC32C of bytes 0..55
 * 60  int  magic           written last, by compare-and-set from 0: VALID, or VOID for an abandoned slot
 * </pre>
 *
 * A refund carries everything about its charge so the charge's row can be written even if the charge record is folded
 * in later or not at all.
 *
 * <p>An ADVANCE record moves a PayWord chain's head; it precedes the CHARGE that spends the credit it adds:
 * <pre>
 *  0  long seq
 *  8  long chain id        chains.id in SQLite
 * 16  byte[32] word        w_index
 * 48  int  index           the new head index
 * 52  int  type            3 ADVANCE
 * 56  int  CRC32C of bytes 0..55
 * 60  int  magic
 * </pre>
 *
 * @param scripId the account's row id: {@code scrip.id}, or {@code chains.id} if {@code chain} (or for an ADVANCE)
 * @param refundMillis REFUND: when refunded; CHARGE: the entitlement's end in epoch millis, 0 for none
 * @param resourceId CHARGE and REFUND: {@code resources.id}; ADVANCE: the new head index
 * @param word ADVANCE: the new head word; otherwise {@code null}
 * @param withPaymentId a CHARGE whose bytes 32..47 are its payment identifier's hash ({@link PaymentIds})
 */
record JournalRecord(int type, boolean chain, long seq, long scripId, long amount, int resourceId, long createdMillis,
                     long refSeq, long refundMillis, byte[] word, boolean withPaymentId) {

    static final int SLOT = 64;
    static final int MAGIC_OFFSET = 60;
    static final int CHARGE = 1;
    static final int REFUND = 2;
    static final int ADVANCE = 3;
    /** Flag on a CHARGE or REFUND type: the account is a PayWord chain, not a scrip. */
    static final int ON_CHAIN = 0x100;
    /** Flag on a CHARGE type: bytes 32..47 hold its payment identifier's hash instead of 0 and an entitlement end. */
    static final int WITH_PAYMENT_ID = 0x200;
    static final int WORD_BYTES = 32;
    static final int MAGIC_VALID = 0x4a524c54; // "TLRJ" read little-endian
    static final int MAGIC_VOID = 0x44494f56; // "VOID"

    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    /** Writes bytes 0..59 (everything but the magic) into {@code b} at {@code off}. */
    static void encode(byte[] b, int off, int type, long seq, long scripId, long amount, int resourceId,
                       long createdMillis, long refSeq, long refundMillis) {
        LONG.set(b, off, seq);
        LONG.set(b, off + 8, scripId);
        LONG.set(b, off + 16, amount);
        LONG.set(b, off + 24, createdMillis);
        LONG.set(b, off + 32, refSeq);
        LONG.set(b, off + 40, refundMillis);
        INT.set(b, off + 48, resourceId);
        INT.set(b, off + 52, type);
        CRC32C crc = new CRC32C();
        crc.update(b, off, 56);
        INT.set(b, off + 56, (int) crc.getValue());
    }

    /** Writes an ADVANCE record's bytes 0..59 into {@code b} at {@code off}. */
    static void encodeAdvance(byte[] b, int off, long seq, long chainId, int index, byte[] word) {
        LONG.set(b, off, seq);
        LONG.set(b, off + 8, chainId);
        System.arraycopy(word, 0, b, off + 16, WORD_BYTES);
        INT.set(b, off + 48, index);
        INT.set(b, off + 52, ADVANCE);
        CRC32C crc = new CRC32C();
        crc.update(b, off, 56);
        INT.set(b, off + 56, (int) crc.getValue());
    }

    /** CHARGE: the end of the entitlement it bought, in epoch millis; 0 for none. */
    long entitledUntilMillis() {
        return type == CHARGE && !withPaymentId ? refundMillis : 0;
    }

    /** CHARGE {@link #withPaymentId}: its payment identifier's hash; otherwise {@code null}. */
    PaymentIds.Hash paymentId() {
        return withPaymentId ? new PaymentIds.Hash(refSeq, refundMillis) : null;
    }

    /** ADVANCE: the new head index. */
    int index() {
        return resourceId;
    }

    static int magic(byte[] b, int off) {
        return (int) INT.get(b, off + MAGIC_OFFSET);
    }

    /** The record in a slot whose magic is VALID, or {@code null} if it is torn, corrupt or of another slot. */
    static JournalRecord decode(byte[] b, int off, long expectedSeq) {
        CRC32C crc = new CRC32C();
        crc.update(b, off, 56);
        if ((int) crc.getValue() != (int) INT.get(b, off + 56)) {
            return null;
        }
        long seq = (long) LONG.get(b, off);
        int rawType = (int) INT.get(b, off + 52);
        if (seq != expectedSeq) {
            return null;
        }
        if (rawType == ADVANCE) {
            int index = (int) INT.get(b, off + 48);
            if (index < 1) {
                return null;
            }
            byte[] word = new byte[WORD_BYTES];
            System.arraycopy(b, off + 16, word, 0, WORD_BYTES);
            return new JournalRecord(ADVANCE, true, seq, (long) LONG.get(b, off + 8), 0, index, 0, 0, 0, word, false);
        }
        boolean chain = (rawType & ON_CHAIN) != 0;
        boolean withPaymentId = (rawType & WITH_PAYMENT_ID) != 0;
        int type = rawType & ~(ON_CHAIN | WITH_PAYMENT_ID);
        long amount = (long) LONG.get(b, off + 16);
        if ((type != CHARGE && type != REFUND) || amount < 0 || (withPaymentId && type != CHARGE)) {
            return null;
        }
        return new JournalRecord(type, chain, seq, (long) LONG.get(b, off + 8), amount, (int) INT.get(b, off + 48),
                (long) LONG.get(b, off + 24), (long) LONG.get(b, off + 32), (long) LONG.get(b, off + 40), null,
                withPaymentId);
    }
}
