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
 * 32  long ref seq         REFUND: the refunded charge's seq; CHARGE: 0
 * 40  long refund millis   REFUND: when it was refunded; CHARGE: 0
 * 48  int  resource id     resources.id in SQLite (a refund repeats its charge's)
 * 52  int  type            1 CHARGE, 2 REFUND
 * 56  int  CRC32C of bytes 0..55
 * 60  int  magic           written last, by compare-and-set from 0: VALID, or VOID for an abandoned slot
 * </pre>
 *
 * A refund carries everything about its charge so the charge's row can be written even if the charge record is folded
 * in later or not at all.
 */
record JournalRecord(int type, long seq, long scripId, long amount, int resourceId, long createdMillis, long refSeq,
                     long refundMillis) {

    static final int SLOT = 64;
    static final int MAGIC_OFFSET = 60;
    static final int CHARGE = 1;
    static final int REFUND = 2;
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
        int type = (int) INT.get(b, off + 52);
        long amount = (long) LONG.get(b, off + 16);
        if (seq != expectedSeq || (type != CHARGE && type != REFUND) || amount < 0) {
            return null;
        }
        return new JournalRecord(type, seq, (long) LONG.get(b, off + 8), amount, (int) INT.get(b, off + 48),
                (long) LONG.get(b, off + 24), (long) LONG.get(b, off + 32), (long) LONG.get(b, off + 40));
    }
}
