package dev.tollgate.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.settlement.RefundLimit;
import jakarta.servlet.ServletException;
import java.io.IOException;
import org.apache.coyote.BadRequestException;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.eclipse.jetty.http.BadMessageException;
import org.eclipse.jetty.http.HttpException;
import org.junit.jupiter.api.Test;

/** The status a container answers for what the app threw, as {@link RefundLimit} counts it. */
final class ThrownStatusTest {

    @Test
    void jettysRefusalOfARequestItCannotReadIsTheBuyersDoing() {
        assertThat(ThrownStatus.of(new BadMessageException("Unable to parse URI query"))).isEqualTo(400);
        assertThat(ThrownStatus.of(new HttpException.IllegalArgumentException(414))).isEqualTo(414);
        assertThat(ThrownStatus.buyersDoing(new BadMessageException(431))).isTrue();
    }

    @Test
    void tomcatsRefusalsOfParametersAndBodiesItCannotReadAreTheBuyersDoing() {
        assertThat(ThrownStatus.of(new InvalidParameterException("bad %-escape"))).isEqualTo(400);
        assertThat(ThrownStatus.of(new InvalidParameterException("too many", 413))).isEqualTo(413);
        assertThat(ThrownStatus.of(new BadRequestException("bad chunk"))).isEqualTo(400);
    }

    @Test
    void theStatusIsFoundThroughTheExceptionsThatWrapIt() {
        ServletException wrapped = new ServletException(new RuntimeException(new BadMessageException(400)));
        assertThat(ThrownStatus.of(wrapped)).isEqualTo(400);
    }

    @Test
    void anythingElseTheAppThrowsIsA500AndTheSellersFailure() {
        assertThat(ThrownStatus.of(new NumberFormatException("For input string: \"x\""))).isEqualTo(500);
        assertThat(ThrownStatus.of(new IOException("database down"))).isEqualTo(500);
        assertThat(ThrownStatus.of(new HttpException.RuntimeException(503))).as("a 5xx the container names").isEqualTo(503);
        assertThat(ThrownStatus.buyersDoing(new HttpException.RuntimeException(503))).isFalse();
        assertThat(ThrownStatus.buyersDoing(new IllegalStateException())).isFalse();
    }

    @Test
    void anExceptionWhoseCauseCannotBeReadIsA500() {
        RuntimeException broken = new RuntimeException("broken") {
            private static final long serialVersionUID = 1L;

            @Override
            public synchronized Throwable getCause() {
                throw new IllegalStateException("no cause for you");
            }
        };
        assertThat(ThrownStatus.of(broken)).isEqualTo(500);
    }

    @Test
    void aCauseChainThatLoopsEnds() {
        RuntimeException a = new RuntimeException("a");
        RuntimeException b = new RuntimeException("b", a);
        a.initCause(b);
        assertThat(ThrownStatus.of(a)).isEqualTo(500);
    }
}
