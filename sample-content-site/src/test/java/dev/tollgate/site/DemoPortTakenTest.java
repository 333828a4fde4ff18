package dev.tollgate.site;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plain-HTTP redirect is a convenience: with its port taken by another program, the demo starts on HTTPS. */
final class DemoPortTakenTest {

    @TempDir
    Path dir;

    @Test
    void theDemoStartsOnHttpsWhenThePlainHttpPortIsTaken() throws Exception {
        try (ServerSocket other = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
             DemoFixture demo = DemoFixture.start(dir, other.getLocalPort())) {
            HttpResponse<String> home = demo.get("/");

            assertThat(home.statusCode()).isEqualTo(200);
            assertThat(demo.site.httpUri()).isEmpty();
            assertThat(Main.banner(demo.site)).contains("HTTPS only: the plain-HTTP port was taken")
                    .doesNotContain("http://localhost:" + other.getLocalPort());
        }
    }
}
