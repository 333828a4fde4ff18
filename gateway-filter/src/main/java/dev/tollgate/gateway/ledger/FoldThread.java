package dev.tollgate.gateway.ledger;

import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fold's background thread ({@code tollgate-ledger-materializer-<n>}, a daemon): every interval, or sooner when
 * the journal wakes it (a full batch, a full backlog, close), a {@link Materializer} pass under the database lock,
 * then the eviction of idle scrip and chain states (which must see the pass's totals), then the next journal segment
 * prepared ahead. Apart from the materializer because the request path and settlement fold in through it as well;
 * only the background decides when to evict and to map ahead.
 */
final class FoldThread implements Runnable {

    /** Logs as the materializer, whose thread this was before this class took it over. */
    private static final Logger LOG = LoggerFactory.getLogger(Materializer.class);
    /** Logs its passes' failures as the ledger did. */
    private static final Logger LEDGER_LOG = LoggerFactory.getLogger(SqliteLedger.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final LockedStore store;
    private final Journal journal;
    private final Materializer materializer;
    private final StateMap<ScripState.Key, ScripState> scrips;
    private final StateMap<ChainState.Key, ChainState> chains;
    private final PendingRefunds refunds;
    private final long intervalNanos;
    private final Thread thread;
    private volatile boolean stopping;

    /**
     * @param scrips the scrip states it evicts once idle
     * @param chains the chain states, likewise
     * @param refunds the refunds in the journal, which keep their states from eviction
     */
    FoldThread(LockedStore store, Journal journal, Materializer materializer,
               StateMap<ScripState.Key, ScripState> scrips, StateMap<ChainState.Key, ChainState> chains,
               PendingRefunds refunds, long intervalMillis) {
        this.store = store;
        this.journal = journal;
        this.materializer = materializer;
        this.scrips = scrips;
        this.chains = chains;
        this.refunds = refunds;
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMillis);
        this.thread = new Thread(this, "tollgate-ledger-materializer-" + INSTANCES.incrementAndGet());
        thread.setDaemon(true);
    }

    /** Starts the thread, once recovery is done. */
    void start() {
        thread.start();
    }

    @Override
    public void run() {
        journal.foldBy(Thread.currentThread());
        while (!stopping) {
            LockSupport.parkNanos(this, intervalNanos);
            if (stopping) {
                break;
            }
            try {
                backgroundPass();
            } catch (RuntimeException e) {
                LOG.error("Ledger materializer pass failed; retrying", e);
            }
            journal.prepareAhead();
        }
    }

    /** Stops the thread and waits up to {@code joinMillis} for its pass to end. */
    void stop(long joinMillis) {
        stopping = true;
        journal.wakeFold();
        try {
            thread.join(joinMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One background pass (on the caller's thread for tests): fold in what is ready, then evict idle states. */
    void backgroundPass() {
        if (store.closed()) {
            return;
        }
        store.lock();
        try {
            if (store.closed()) {
                return;
            }
            LedgerStore db;
            try {
                db = store.store();
            } catch (LedgerUnavailableException e) {
                LEDGER_LOG.error("Ledger materializer cannot reach {}; retrying", store.file(), e);
                return;
            }
            try {
                materializer.catchUp(db, Materializer.Mode.LIVE);
            } catch (SQLException | RuntimeException e) {
                LEDGER_LOG.error("Ledger materializer pass on {} failed; retrying", store.file(), e);
                store.rollback(db);
                return;
            }
            long now = System.currentTimeMillis();
            scrips.evictIdle(now, refunds);
            chains.evictIdle(now, refunds);
        } finally {
            store.unlock();
        }
    }
}
