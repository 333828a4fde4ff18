package dev.tollgate.site;

import dev.tollgate.gateway.TollgateFilter;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.SecuredRedirectHandler;
import org.eclipse.jetty.util.resource.Resource;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The site's Jetty: the web app in {@code src/main/webapp} (on the class path as {@code webapp/}, inside the jar when
 * run from it) on HTTPS, and a plain-HTTP connector whose requests are redirected to HTTPS. The redirect is a
 * convenience: when its port is taken the site starts without it, with a warning.
 */
final class SiteServer {

    /**
     * HSTS lifetime. Short on purpose: HSTS binds the whole host name, every port, and this demo runs on
     * {@code localhost}, where the developer's other servers speak plain HTTP.
     */
    static final long HSTS_SECONDS = 3600;
    private static final String HOST = "127.0.0.1";
    /** The gateway's filter-name in web.xml. */
    private static final String GATEWAY_FILTER = "tollgate";
    private static final Logger LOG = LoggerFactory.getLogger(SiteServer.class);

    private SiteServer() {
    }

    /** The site; its gateway and brokers on {@code clock}, which only tests set to another than the system's. */
    static Server create(Options options, Tls tls, AdminPassword admin, Clock clock) {
        Server server = new Server();

        HttpConfiguration https = new HttpConfiguration();
        https.setSecureScheme("https");
        https.setSecurePort(options.sitePort());
        https.setSendServerVersion(false);
        SecureRequestCustomizer secure = new SecureRequestCustomizer();
        secure.setStsMaxAge(HSTS_SECONDS);
        https.addCustomizer(secure);
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStorePath(tls.keystore().toString());
        ssl.setKeyStoreType("PKCS12");
        ssl.setKeyStorePassword(new String(tls.password()));
        ServerConnector httpsConnector = new ServerConnector(server,
                new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(https));
        httpsConnector.setHost(HOST);
        httpsConnector.setPort(options.sitePort());
        server.addConnector(httpsConnector);

        HttpConfiguration plain = new HttpConfiguration();
        plain.setSecureScheme("https");
        plain.setSecurePort(options.sitePort());
        plain.setSendServerVersion(false);
        ServerConnector httpConnector = new ServerConnector(server, new HttpConnectionFactory(plain));
        httpConnector.setHost(HOST);
        httpConnector.setPort(options.siteHttpPort());
        try {
            // Bound now, so a port taken by something else (8080 often is) is known before the site starts.
            httpConnector.open();
            server.addConnector(httpConnector);
        } catch (IOException e) {
            LOG.warn("Plain HTTP port {} cannot be opened ({}); the site runs on HTTPS only, without the redirect "
                    + "(choose another port with --http-port)", options.siteHttpPort(), e.getMessage());
        }

        WebAppContext webapp = new WebAppContext();
        webapp.setContextPath("/");
        Resource base = ResourceFactory.of(server).newClassLoaderResource("webapp", false);
        if (base == null) {
            throw new IllegalStateException("the web app (webapp/ on the class path) is missing from this build");
        }
        webapp.setBaseResource(base);
        // The site's classes and the gateway are on the application class path, not in WEB-INF/lib.
        webapp.setParentLoaderPriority(true);
        webapp.setThrowUnavailableOnStartupException(true);
        webapp.setAttribute(AdminServlet.PASSWORD_ATTRIBUTE, admin);
        MetricsPage.install(server, webapp);
        if (!clock.equals(Clock.systemUTC())) {
            gatewayOn(clock, webapp, options.config());
        }
        server.setHandler(new SecuredRedirectHandler(webapp, 301));
        server.setStopAtShutdown(false);
        return server;
    }

    /**
     * Replaces the instance of web.xml's gateway filter, before the container initializes it, by one built on
     * {@code clock} that reads the same config file (web.xml's init-params still reach its {@code init}).
     */
    private static void gatewayOn(Clock clock, WebAppContext webapp, Path config) {
        webapp.addEventListener(new ServletContextListener() {
            @Override
            public void contextInitialized(ServletContextEvent event) {
                FilterHolder holder = webapp.getServletHandler().getFilter(GATEWAY_FILTER);
                if (holder == null) {
                    throw new IllegalStateException("web.xml declares no filter named " + GATEWAY_FILTER);
                }
                holder.setFilter(TollgateFilter.builder().configFile(config).clock(clock).build());
            }
        });
    }

    /** Whether {@code server} listens on plain HTTP too (to redirect): its port could be opened. */
    static boolean redirectsPlainHttp(Server server) {
        return Arrays.stream(server.getConnectors()).anyMatch(c -> c.getConnectionFactory(SslConnectionFactory.class)
                == null);
    }
}
