package dev.tollgate.site;

import io.micrometer.core.instrument.Metrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.component.LifeCycle;

/**
 * {@code /admin/metrics}, behind the dashboard's sign-in: the gateway's meters in the Prometheus text format. The
 * filter, started from {@code web.xml} with no registry of its own, counts into Micrometer's global registry; this page
 * adds a Prometheus registry to it for as long as the server runs.
 */
final class MetricsPage {

    static final String PATH = "/admin/metrics";
    /** Servlet-context attribute holding the {@link PrometheusMeterRegistry}. */
    static final String REGISTRY_ATTRIBUTE = "dev.tollgate.site.prometheus";

    private MetricsPage() {
    }

    /** Adds a Prometheus registry to the global one while {@code server} runs, and gives it to {@code webapp}. */
    static void install(Server server, WebAppContext webapp) {
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        webapp.setAttribute(REGISTRY_ATTRIBUTE, prometheus);
        server.addEventListener(new LifeCycle.Listener() {
            @Override
            public void lifeCycleStarting(LifeCycle event) {
                Metrics.addRegistry(prometheus);
            }

            @Override
            public void lifeCycleStopped(LifeCycle event) {
                Metrics.removeRegistry(prometheus);
                prometheus.close();
            }
        });
    }

    static void write(HttpServletResponse response, ServletContext context) throws IOException {
        if (!(context.getAttribute(REGISTRY_ATTRIBUTE) instanceof PrometheusMeterRegistry prometheus)) {
            response.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        byte[] text = prometheus.scrape().getBytes(StandardCharsets.UTF_8);
        response.setStatus(HttpServletResponse.SC_OK);
        response.setHeader("Cache-Control", "no-store");
        response.setContentType("text/plain; version=0.0.4; charset=utf-8");
        response.setContentLength(text.length);
        response.getOutputStream().write(text);
    }
}
