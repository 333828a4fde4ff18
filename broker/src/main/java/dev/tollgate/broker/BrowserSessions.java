package dev.tollgate.broker;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Server-side state of the browser pages: logged-in sessions (idle timeout, bounded count) and the login throttle
 * (failures per username in a sliding window). In memory only: a restart logs every buyer out, which costs a
 * login and nothing else. Thread-safe (every method is synchronized; the maps are small and the work is O(1) but
 * for the rare purge).
 */
final class BrowserSessions {

    /** How long a session lives without a request. */
    static final Duration IDLE_TIMEOUT = Duration.ofMinutes(30);
    /** Most sessions kept; when full, expired ones are dropped, then the least recently used. */
    static final int MAX_SESSIONS = 10_000;
    /** Failed logins per username allowed in {@link #THROTTLE_WINDOW}; the next attempt is refused unchecked. */
    static final int MAX_FAILURES = 5;
    static final Duration THROTTLE_WINDOW = Duration.ofMinutes(5);
    /** Most usernames with failures tracked; beyond it the oldest are forgotten. */
    static final int MAX_THROTTLED_USERNAMES = 10_000;
    /**
     * How many completed payments a session remembers by {@code state}: a repeated Allow (a double click, the back
     * button) gets the same answer again instead of a second scrip.
     */
    static final int MAX_OUTCOMES = 32;

    /** A logged-in buyer. {@code csrf} is the token every form of this session carries. */
    static final class Session {
        final String id;
        final String account;
        final String username;
        final String csrf;
        private long lastSeen;
        private final LinkedHashMap<String, Map<String, String>> outcomes = new LinkedHashMap<>();

        private Session(String id, String account, String username, String csrf, long lastSeen) {
            this.id = id;
            this.account = account;
            this.username = username;
            this.csrf = csrf;
            this.lastSeen = lastSeen;
        }
    }

    private final Clock clock;
    /** Access order: the first entry is the least recently used session. */
    private final LinkedHashMap<String, Session> sessions = new LinkedHashMap<>(16, 0.75f, true);
    private final LinkedHashMap<String, Deque<Long>> failures = new LinkedHashMap<>(16, 0.75f, true);

    BrowserSessions(Clock clock) {
        this.clock = clock;
    }

    /** Starts a session for a buyer who just logged in: a new random 256-bit id, never one the client sent. */
    synchronized Session create(String account, String username) {
        long now = clock.millis();
        if (sessions.size() >= MAX_SESSIONS) {
            sessions.values().removeIf(s -> expired(s, now));
            Iterator<String> oldest = sessions.keySet().iterator();
            while (sessions.size() >= MAX_SESSIONS && oldest.hasNext()) {
                oldest.next();
                oldest.remove();
            }
        }
        Session s = new Session(Secrets.randomToken(32), account, username, Secrets.randomToken(32), now);
        sessions.put(s.id, s);
        return s;
    }

    /** The live session with this id, its idle timer restarted; null if unknown or idle too long (then dropped). */
    synchronized Session find(String id) {
        if (id == null) {
            return null;
        }
        Session s = sessions.get(id);
        if (s == null) {
            return null;
        }
        long now = clock.millis();
        if (expired(s, now)) {
            sessions.remove(id);
            return null;
        }
        s.lastSeen = now;
        return s;
    }

    /** The fields handed back for the payment with {@code state} in this session, or null if none yet. */
    synchronized Map<String, String> outcome(Session s, String state) {
        return s.outcomes.get(state);
    }

    /** Remembers what was handed back for the payment with {@code state}, forgetting the oldest beyond the bound. */
    synchronized void record(Session s, String state, Map<String, String> fields) {
        if (s.outcomes.size() >= MAX_OUTCOMES) {
            s.outcomes.remove(s.outcomes.keySet().iterator().next());
        }
        s.outcomes.put(state, Map.copyOf(fields));
    }

    /**
     * Starts a login attempt for {@code username}: false if it has used up its failures in the current window;
     * otherwise the attempt counts as a failure until {@link #succeeded} takes it back, so that concurrent guesses
     * cannot overrun the limit.
     */
    synchronized boolean attempt(String username) {
        long now = clock.millis();
        Deque<Long> f = failures.get(username);
        if (f != null) {
            prune(f, now);
            if (f.size() >= MAX_FAILURES) {
                return false;
            }
        } else {
            if (failures.size() >= MAX_THROTTLED_USERNAMES) {
                failures.values().removeIf(d -> {
                    prune(d, now);
                    return d.isEmpty();
                });
                Iterator<Map.Entry<String, Deque<Long>>> oldest = failures.entrySet().iterator();
                while (failures.size() >= MAX_THROTTLED_USERNAMES && oldest.hasNext()) {
                    oldest.next();
                    oldest.remove();
                }
            }
            f = new ArrayDeque<>();
            failures.put(username, f);
        }
        f.addLast(now);
        return true;
    }

    /** Takes back the attempt {@link #attempt} counted: the password was right. */
    synchronized void succeeded(String username) {
        Deque<Long> f = failures.get(username);
        if (f != null && !f.isEmpty()) {
            f.removeLast();
        }
    }

    synchronized int size() {
        return sessions.size();
    }

    private static boolean expired(Session s, long now) {
        return now - s.lastSeen >= IDLE_TIMEOUT.toMillis();
    }

    private static void prune(Deque<Long> f, long now) {
        long cutoff = now - THROTTLE_WINDOW.toMillis();
        while (!f.isEmpty() && f.peekFirst() <= cutoff) {
            f.removeFirst();
        }
    }
}
