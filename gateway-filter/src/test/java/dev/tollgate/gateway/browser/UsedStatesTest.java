package dev.tollgate.gateway.browser;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The browser flow's replay set: each state is taken once and completes with one scrip; the set stays bounded. */
final class UsedStatesTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T00:00:00Z"));
    private final UsedStates used = new UsedStates(clock, BrowserFlow.STATE_LIFETIME, Optional.empty());

    private static PurchaseState state() {
        byte[] nonce = new byte[PurchaseState.NONCE_BYTES];
        ThreadLocalRandom.current().nextBytes(nonce);
        return new PurchaseState(nonce, 0, 50_000, "/articles/one");
    }

    @Test
    void aStateIsTakenOnceAndThenTellsWhatItCompletedWith() throws Exception {
        PurchaseState state = state();

        assertThat(used.take(state)).as("fresh").isNull();
        assertThat(used.take(state)).as("taken, no scrip yet").isEqualTo(UsedStates.NO_SCRIP);
        used.completed(state, "jti-1");
        used.completed(state, "jti-2"); // another scrip later never replaces the first
        assertThat(used.take(new PurchaseState(state.nonce().clone(), 0, 1, "/other"))).as("the same nonce")
                .isEqualTo("jti-1");
        assertThat(used.take(state())).isNull();
    }

    @Test
    void concurrentCallbacksWithOneStateHaveOneWinner() throws Exception {
        PurchaseState state = state();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            AtomicInteger won = new AtomicInteger();
            List<Future<?>> all = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                all.add(pool.submit(() -> used.take(state) == null ? won.incrementAndGet() : 0));
            }
            for (Future<?> f : all) {
                f.get();
            }
            assertThat(won).hasValue(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aStateIsKeptUntilItHasExpiredAnywayThenForgotten() throws Exception {
        PurchaseState state = state();
        used.take(state);

        clock.advance(BrowserFlow.STATE_LIFETIME.minus(Duration.ofSeconds(1)));
        assertThat(used.take(state)).isNotNull();
        clock.advance(Duration.ofSeconds(2));
        assertThat(used.size()).isZero();
    }

    @Test
    void theSetHoldsAtMostItsBound() throws Exception {
        for (int i = 0; i < UsedStates.MAX_STATES + 5_000; i++) {
            used.take(state());
        }

        assertThat(used.size()).isLessThanOrEqualTo(UsedStates.MAX_STATES);
    }
}
