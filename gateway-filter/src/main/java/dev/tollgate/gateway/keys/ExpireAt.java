package dev.tollgate.gateway.keys;

import com.github.benmanes.caffeine.cache.Expiry;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

/** A Caffeine expiry that keeps each entry until a time its value names, by a clock; reading it changes nothing. */
public final class ExpireAt {

    private ExpireAt() {
    }

    /**
     * @param clock the clock the times are read on
     * @param untilMillis the time, in epoch milliseconds of {@code clock}, until which a value is kept
     */
    public static <K, V> Expiry<K, V> millis(Clock clock, ToLongFunction<? super V> untilMillis) {
        return new Expiry<>() {
            @Override
            public long expireAfterCreate(K key, V value, long currentTime) {
                return TimeUnit.MILLISECONDS.toNanos(Math.max(0, untilMillis.applyAsLong(value) - clock.millis()));
            }

            @Override
            public long expireAfterUpdate(K key, V value, long currentTime, long currentDuration) {
                return expireAfterCreate(key, value, currentTime);
            }

            @Override
            public long expireAfterRead(K key, V value, long currentTime, long currentDuration) {
                return currentDuration;
            }
        };
    }
}
