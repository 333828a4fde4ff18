package dev.tollgate.gateway.ledger;

import dev.tollgate.gateway.ledger.SqliteLedger.Limits;

/**
 * The knobs of a {@link SqliteLedger}: tests turn them; production uses {@link #DEFAULTS} with the
 * {@link Limits} it is given.
 */
record LedgerTuning(int segmentBytes, long materializeIntervalMillis, int materializeBatch, long abandonMillis,
                    int stateCapacity, int resourceCapacity, long waitTimeoutMillis, int busyTimeoutMillis,
                    long maxBacklogSlots, long backlogWaitMillis, long diskReserveBytes) {
    static final LedgerTuning DEFAULTS = new LedgerTuning(16 << 20, 200, 4096, 5_000, 65_536, 65_536, 10_000, 2_000,
            Limits.DEFAULTS.maxBacklogBytes() / JournalRecord.SLOT, 250, Limits.DEFAULTS.diskReserveBytes());

    LedgerTuning {
        if (Integer.bitCount(segmentBytes) != 1 || segmentBytes < 4096 || materializeIntervalMillis < 1
                || Integer.bitCount(materializeBatch) != 1 || abandonMillis < 1 || stateCapacity < 1
                || resourceCapacity < 1 || waitTimeoutMillis < 1 || busyTimeoutMillis < 0
                || maxBacklogSlots < 1 || backlogWaitMillis < 0 || diskReserveBytes < 0) {
            throw new IllegalArgumentException("invalid tuning " + this);
        }
    }

    LedgerTuning withLimits(Limits limits) {
        return withBacklog(limits.maxBacklogBytes() / JournalRecord.SLOT, backlogWaitMillis,
                limits.diskReserveBytes());
    }

    LedgerTuning withWaitTimeoutMillis(long millis) {
        return new LedgerTuning(segmentBytes, materializeIntervalMillis, materializeBatch, abandonMillis, stateCapacity,
                resourceCapacity, millis, busyTimeoutMillis, maxBacklogSlots, backlogWaitMillis, diskReserveBytes);
    }

    LedgerTuning withBusyTimeoutMillis(int millis) {
        return new LedgerTuning(segmentBytes, materializeIntervalMillis, materializeBatch, abandonMillis, stateCapacity,
                resourceCapacity, waitTimeoutMillis, millis, maxBacklogSlots, backlogWaitMillis, diskReserveBytes);
    }

    LedgerTuning withSegmentBytes(int bytes) {
        return new LedgerTuning(bytes, materializeIntervalMillis, materializeBatch, abandonMillis, stateCapacity,
                resourceCapacity, waitTimeoutMillis, busyTimeoutMillis, maxBacklogSlots, backlogWaitMillis,
                diskReserveBytes);
    }

    LedgerTuning withMaterializeIntervalMillis(long millis) {
        return new LedgerTuning(segmentBytes, millis, materializeBatch, abandonMillis, stateCapacity, resourceCapacity,
                waitTimeoutMillis, busyTimeoutMillis, maxBacklogSlots, backlogWaitMillis, diskReserveBytes);
    }

    LedgerTuning withMaterializeBatch(int records) {
        return new LedgerTuning(segmentBytes, materializeIntervalMillis, records, abandonMillis, stateCapacity,
                resourceCapacity, waitTimeoutMillis, busyTimeoutMillis, maxBacklogSlots, backlogWaitMillis,
                diskReserveBytes);
    }

    LedgerTuning withAbandonMillis(long millis) {
        return new LedgerTuning(segmentBytes, materializeIntervalMillis, materializeBatch, millis, stateCapacity,
                resourceCapacity, waitTimeoutMillis, busyTimeoutMillis, maxBacklogSlots, backlogWaitMillis,
                diskReserveBytes);
    }

    LedgerTuning withStateCapacity(int states) {
        return new LedgerTuning(segmentBytes, materializeIntervalMillis, materializeBatch, abandonMillis, states,
                resourceCapacity, waitTimeoutMillis, busyTimeoutMillis, maxBacklogSlots, backlogWaitMillis,
                diskReserveBytes);
    }

    /** Any bounds, also below those {@link Limits} accepts (tests with tiny segments). */
    LedgerTuning withBacklog(long maxSlots, long waitMillis, long reserveBytes) {
        return new LedgerTuning(segmentBytes, materializeIntervalMillis, materializeBatch, abandonMillis, stateCapacity,
                resourceCapacity, waitTimeoutMillis, busyTimeoutMillis, maxSlots, waitMillis, reserveBytes);
    }
}
