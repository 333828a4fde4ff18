package dev.tollgate.site;

import dev.tollgate.gateway.Payment;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counts, per hour of the last {@value #HOURS}, the requests the gateway let through paid and those it refused with
 * 402, for the dashboard's chart. Mapped in front of the gateway's filter, it sees each request's final status and
 * the payment the gateway left on it. Two fixed arrays of counters: nothing grows with the traffic. Thread-safe.
 */
public final class Traffic implements Filter {

    /** How many hours are kept: the chart's width. */
    static final int HOURS = 24;
    /** The one counter of this web app, for the dashboard (the container makes the filter). */
    static final Counts COUNTS = new Counts(Clock.systemUTC());

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        chain.doFilter(request, response);
        if (response instanceof HttpServletResponse http) {
            if (http.getStatus() == 402) {
                COUNTS.refused();
            } else if (request.getAttribute(Payment.REQUEST_ATTRIBUTE) instanceof Payment p && p.amountMicros() > 0) {
                COUNTS.paid();
            }
        }
    }

    /** Paid and refused requests per hour, in a ring of {@value #HOURS} slots stamped with their hour. */
    static final class Counts {
        private final Clock clock;
        private final AtomicLongArray hourOf = new AtomicLongArray(HOURS);
        private final AtomicLongArray paid = new AtomicLongArray(HOURS);
        private final AtomicLongArray refused = new AtomicLongArray(HOURS);

        Counts(Clock clock) {
            this.clock = clock;
        }

        void paid() {
            paid.incrementAndGet(slot(hourNow()));
        }

        void refused() {
            refused.incrementAndGet(slot(hourNow()));
        }

        long hourNow() {
            return Math.floorDiv(clock.millis(), 3_600_000L);
        }

        /** The slot of {@code hour}, emptied first if it still holds an older hour. */
        private synchronized int slot(long hour) {
            int i = (int) Math.floorMod(hour, (long) HOURS);
            if (hourOf.get(i) != hour) {
                hourOf.set(i, hour);
                paid.set(i, 0);
                refused.set(i, 0);
            }
            return i;
        }

        /** {paid, refused} of each of the last {@value #HOURS} hours, oldest first. */
        synchronized long[][] lastHours() {
            long now = hourNow();
            long[][] out = new long[HOURS][2];
            for (int k = 0; k < HOURS; k++) {
                long hour = now - (HOURS - 1) + k;
                int i = (int) Math.floorMod(hour, (long) HOURS);
                if (hourOf.get(i) == hour) {
                    out[k][0] = paid.get(i);
                    out[k][1] = refused.get(i);
                }
            }
            return out;
        }
    }
}
