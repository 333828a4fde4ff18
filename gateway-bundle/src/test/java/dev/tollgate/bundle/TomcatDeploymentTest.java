package dev.tollgate.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.GatewayHarness;
import dev.tollgate.gateway.testing.JwksServer;
import dev.tollgate.gateway.testing.Poll;
import dev.tollgate.gateway.testing.TestBroker;
import dev.tollgate.protocol.PaymentHeaders;
import java.lang.ref.WeakReference;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.Constants;
import org.apache.catalina.startup.ContextConfig;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundle as a seller uses it: its zip unpacked into an app whose {@code web.xml} declares the filter, deployed
 * into Tomcat with a real {@link StandardContext} and its own web-app class loader, paid, reloaded and stopped.
 * Proves the bundle is complete (nothing but its jars and the container), that the filter logs into the container's
 * log with no logging jar added, and that undeploying leaves nothing behind that Tomcat reports or that keeps an
 * old generation of the app in memory.
 */
final class TomcatDeploymentTest {

    private static final String RULES = String.join("\n",
            "rules:",
            "  - match: /articles/**",
            "    price: 0.05",
            "");
    /** What Tomcat logs when it finds something an undeployed app left behind (LocalStrings of its loader). */
    private static final String[] LEAK_WARNINGS = {"failed to stop it", "failed to unregister",
            "failed to remove it", "checkThreadLocalMapForLeaks", "memory leak", "--add-opens"};
    private static final String LOADER_LOGGER = "org.apache.catalina.loader.";

    @TempDir
    Path dir;

    private final HttpClient client = HttpClient.newHttpClient();
    private final TestBroker broker = new TestBroker();

    @Test
    void theBundleDeployedInTomcatPaysLogsAndLeavesNoLeakAfterThreeReloads() throws Exception {
        try (ContainerLog log = ContainerLog.capture(); JwksServer jwks = JwksServer.start(broker::jwksJson)) {
            Path config = dir.resolve("gateway.yaml");
            writeConfig(config, jwks, RULES);
            List<String> jars = WarDirectory.write(dir.resolve("shop"), Path.of(System.getProperty("tollgate.bundle")),
                    config);
            assertThat(jars).allMatch(name -> name.startsWith("WEB-INF/lib/") && name.endsWith(".jar"))
                    .anyMatch(name -> name.contains("slf4j-jdk14"))
                    .noneMatch(name -> name.contains("micrometer")); // optional: the filter runs without it

            Tomcat tomcat = new Tomcat();
            tomcat.setBaseDir(dir.resolve("tomcat").toString());
            tomcat.setPort(0);
            tomcat.getConnector();
            StandardContext context = deploy(tomcat, "/shop", dir.resolve("shop"));
            tomcat.start();
            String base = "http://127.0.0.1:" + tomcat.getConnector().getLocalPort() + "/shop";
            WeakReference<ClassLoader> firstGeneration = new WeakReference<>(context.getLoader().getClassLoader());

            String token = broker.scrip().budget("1000000").sign();
            assertPaysAndCharges(base, token);
            assertThat(log.linesWith("Generated the seller key")).as("the seller key line, in the container's log")
                    .singleElement().asString().startsWith("INFO dev.tollgate.gateway.settlement.SellerKey: ")
                    .contains("register this public key at the broker");
            refusedEditIsLogged(config, jwks, log);

            for (int reload = 0; reload < 3; reload++) {
                context.reload();
                assertPaysAndCharges(base, token);
            }
            tomcat.stop();
            tomcat.destroy();

            assertThat(log.linesWith(LEAK_WARNINGS)).as("Tomcat's leak warnings").isEmpty();
            assertThat(log.lines()).as("warnings of Tomcat's web-app class loader")
                    .noneMatch(line -> line.startsWith("WARNING " + LOADER_LOGGER)
                            || line.startsWith("SEVERE " + LOADER_LOGGER));
            assertThat(log.linesWith("Seller key")).as("each later generation logs the key it found").hasSize(3);
            Poll.until("the first generation's class loader is garbage-collected", () -> {
                System.gc();
                return firstGeneration.get() == null;
            });
        }
    }

    /**
     * The app as Tomcat deploys a folder: its own web.xml only (no container defaults), its own class loader, whose
     * parent sees only the JDK and the container, as in a standalone Tomcat.
     */
    private static StandardContext deploy(Tomcat tomcat, String path, Path docBase) {
        StandardContext context = new StandardContext();
        context.setName(path);
        context.setPath(path);
        context.setDocBase(docBase.toString());
        ContextConfig config = new ContextConfig();
        config.setDefaultWebXml(Constants.NoDefaultWebXml);
        context.addLifecycleListener(config);
        context.setParentClassLoader(new ContainerClassLoader());
        tomcat.getHost().addChild(context);
        return context;
    }

    private void assertPaysAndCharges(String base, String token) throws Exception {
        HttpResponse<String> unpaid = get(base + "/articles/one", null);
        assertThat(unpaid.statusCode()).isEqualTo(402);
        HttpResponse<String> paid = get(base + "/articles/one", GatewayHarness.paymentHeader(token, 50_000));
        assertThat(paid.statusCode()).isEqualTo(200);
        assertThat(paid.body()).isEqualTo("content of one");
        assertThat(paid.headers().firstValue(PaymentHeaders.PAYMENT_RESPONSE)).isPresent();
    }

    /** A broken edit while the app runs is refused, and the refusal reaches the container's log with its line. */
    private static void refusedEditIsLogged(Path config, JwksServer jwks, ContainerLog log) throws Exception {
        writeConfig(config, jwks, RULES.replace("price: 0.05", "price: -0.05"));
        Poll.until("the refused edit is logged", () -> !log.linesWith("Kept the previous config").isEmpty());
        assertThat(log.linesWith("Kept the previous config")).singleElement().asString()
                .startsWith("SEVERE dev.tollgate.gateway.TollgateFilter: ").contains("rules[0].price");
        writeConfig(config, jwks, RULES);
        Poll.until("the repaired file is loaded", () -> !log.linesWith("Reloaded " + config).isEmpty());
    }

    /** The test's config; settlement posts to the JWKS server (which answers 404) so no name is looked up. */
    private static void writeConfig(Path config, JwksServer jwks, String rules) throws Exception {
        String text = GatewayHarness.config(jwks.jwksUri(), "",
                "  redemption-url: " + jwks.jwksUri().resolve("/v1/redemptions"), rules);
        Path next = config.resolveSibling("gateway.yaml.next");
        Files.writeString(next, text);
        Files.move(next, config, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private HttpResponse<String> get(String url, String paymentHeader) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
        if (paymentHeader != null) {
            request.header(PaymentHeaders.PAYMENT_SIGNATURE, paymentHeader);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
