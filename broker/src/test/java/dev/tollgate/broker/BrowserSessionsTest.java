package dev.tollgate.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** The session store is bounded and forgets idle sessions; outcomes per state are bounded too. */
final class BrowserSessionsTest {

    private final MutableClock clock = new MutableClock();
    private final BrowserSessions sessions = new BrowserSessions(clock);

    @Test
    void aFullStoreDropsTheLeastRecentlyUsedSessionNotTheOneInUse() {
        BrowserSessions.Session first = sessions.create("acct_0000000000000001", "first");
        BrowserSessions.Session second = sessions.create("acct_0000000000000002", "second");
        for (int i = 2; i < BrowserSessions.MAX_SESSIONS; i++) {
            sessions.create("acct_" + i, "user" + i);
        }
        assertThat(sessions.find(first.id)).as("used just now").isSameAs(first);

        BrowserSessions.Session newest = sessions.create("acct_new", "new");

        assertThat(sessions.size()).isEqualTo(BrowserSessions.MAX_SESSIONS);
        assertThat(sessions.find(second.id)).as("least recently used").isNull();
        assertThat(sessions.find(first.id)).isSameAs(first);
        assertThat(sessions.find(newest.id)).isSameAs(newest);
    }

    @Test
    void aFullStoreDropsExpiredSessionsFirst() {
        for (int i = 0; i < BrowserSessions.MAX_SESSIONS - 1; i++) {
            sessions.create("acct_" + i, "user" + i);
        }
        clock.advance(BrowserSessions.IDLE_TIMEOUT);
        BrowserSessions.Session live = sessions.create("acct_live", "live");

        sessions.create("acct_next", "next");

        assertThat(sessions.size()).isEqualTo(2);
        assertThat(sessions.find(live.id)).isSameAs(live);
    }

    @Test
    void sessionIdsAndCsrfTokensAreRandom256BitValues() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            BrowserSessions.Session s = sessions.create("acct", "user");
            assertThat(s.id).matches("[A-Za-z0-9_-]{43}").isNotEqualTo(s.csrf);
            assertThat(s.csrf).matches("[A-Za-z0-9_-]{43}");
            assertThat(seen.add(s.id)).isTrue();
            assertThat(seen.add(s.csrf)).isTrue();
        }
    }

    @Test
    void aSessionRemembersItsLatestOutcomesOnly() {
        BrowserSessions.Session s = sessions.create("acct", "user");
        for (int i = 0; i <= BrowserSessions.MAX_OUTCOMES; i++) {
            sessions.record(s, "state-" + i, Map.of("error", "cancelled", "state", "state-" + i));
        }

        assertThat(sessions.outcome(s, "state-0")).isNull();
        assertThat(sessions.outcome(s, "state-1")).containsEntry("state", "state-1");
        assertThat(sessions.outcome(s, "state-" + BrowserSessions.MAX_OUTCOMES)).isNotNull();
    }

    @Test
    void theThrottleForgetsFailuresAfterTheWindowAndASuccessDoesNotCount() {
        for (int i = 0; i < BrowserSessions.MAX_FAILURES - 1; i++) {
            assertThat(sessions.attempt("alice")).isTrue();
        }
        assertThat(sessions.attempt("alice")).isTrue();
        sessions.succeeded("alice");
        assertThat(sessions.attempt("alice")).as("the success was taken back").isTrue();
        assertThat(sessions.attempt("alice")).isFalse();
        assertThat(sessions.attempt("bob")).isTrue();

        clock.advance(BrowserSessions.THROTTLE_WINDOW);

        assertThat(sessions.attempt("alice")).isTrue();
    }
}
