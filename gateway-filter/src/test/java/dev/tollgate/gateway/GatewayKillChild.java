package dev.tollgate.gateway;

import jakarta.servlet.DispatcherType;
import java.nio.file.Path;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** The gateway in a process of its own, for {@link GatewayKillTest} to kill. Prints its port, then serves. */
public final class GatewayKillChild {

    private GatewayKillChild() {
    }

    public static void main(String[] args) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.addFilter(new FilterHolder(TollgateFilter.builder().configFile(Path.of(args[0])).watchConfig(false)
                .build()), "/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder(new GatewayHarness.ContentServlet()), "/");
        server.setHandler(context);
        server.start();
        System.out.println("port " + connector.getLocalPort());
        System.out.flush();
        server.join();
    }
}
