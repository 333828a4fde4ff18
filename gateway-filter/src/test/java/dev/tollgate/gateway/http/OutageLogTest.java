package dev.tollgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

final class OutageLogTest {

    @Test
    void logsTheFirstRefusalThenOnePerIntervalCountingTheOnesInBetween() {
        long start = 1_000;
        OutageLog log = new OutageLog(start);

        assertThat(log.refused(start)).isEqualTo(1);
        assertThat(LongStream.range(1, 1_000).map(i -> log.refused(start + i)).sum()).as("within the interval")
                .isZero();
        assertThat(log.refused(start + OutageLog.INTERVAL_NANOS - 1)).isZero();
        assertThat(log.refused(start + OutageLog.INTERVAL_NANOS)).as("1,000 held back, and this one")
                .isEqualTo(1_001);
        assertThat(log.refused(start + OutageLog.INTERVAL_NANOS + 1)).isZero();
    }
}
