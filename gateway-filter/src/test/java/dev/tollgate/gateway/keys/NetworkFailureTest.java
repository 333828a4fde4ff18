package dev.tollgate.gateway.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.ClosedChannelException;
import org.junit.jupiter.api.Test;

/** A failed call to the broker is logged with the host and port called and what went wrong, never "null". */
final class NetworkFailureTest {

    @Test
    void aRefusedConnectionNamesTheHostThePortAndTheRefusal() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort(); // closed below: nothing listens there any more
        }
        URI uri = URI.create("http://127.0.0.1:" + port + "/.well-known/jwks.json");
        Throwable failure = catchThrowable(() -> HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding()));

        assertThat(failure).isInstanceOf(ConnectException.class);
        // JDK 17: "127.0.0.1:<port>: no connection (ConnectException, caused by ClosedChannelException)"
        assertThat(NetworkFailure.describe(uri, failure))
                .startsWith("127.0.0.1:" + port + ": no connection (ConnectException").doesNotContain("null");
    }

    @Test
    void theDefaultPortIsWrittenOut() {
        IOException failure = new IOException("HTTP status 503");

        assertThat(NetworkFailure.describe(URI.create("https://broker.example/keys"), failure))
                .isEqualTo("broker.example:443: IOException: HTTP status 503");
        assertThat(NetworkFailure.describe(URI.create("http://localhost/keys"), failure))
                .isEqualTo("localhost:80: IOException: HTTP status 503");
    }

    @Test
    void withoutAnyMessageTheChainOfTypesIsNamedOnce() {
        ConnectException failure = new ConnectException();
        failure.initCause(new ConnectException().initCause(new ClosedChannelException()));

        assertThat(NetworkFailure.cause(failure)).isEqualTo("ConnectException, caused by ClosedChannelException");
    }

    @Test
    void theFirstMessageDownTheChainIsNamedWithItsType() {
        IOException failure = new IOException(null, new javax.net.ssl.SSLHandshakeException("PKIX path building failed"));

        assertThat(NetworkFailure.describe(URI.create("https://broker.example"), failure))
                .isEqualTo("broker.example:443: IOException (SSLHandshakeException): PKIX path building failed");
    }

    @Test
    void theBrokerUrlIsNamedWithoutItsQuery() {
        // A seller's broker URL may carry a key in its query; the line goes to the container's log.
        IOException failure = new IOException("HTTP status 503");

        URI withKey = URI.create("https://broker.example/v1/charges?key=s3cret");
        assertThat(NetworkFailure.cannotReachBroker(withKey, failure))
                .isEqualTo("cannot reach the broker at https://broker.example:443/v1/charges "
                        + "(broker.example:443: IOException: HTTP status 503)")
                .doesNotContain("s3cret");
    }
}
