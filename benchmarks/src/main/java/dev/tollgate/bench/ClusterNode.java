package dev.tollgate.bench;

import dev.tollgate.gateway.TollgateFilter;
import jakarta.servlet.DispatcherType;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * One filter node of load.sh's cluster cases, a process of its own as a node of a real cluster is: the 10 KB page
 * behind the filter on one loopback port, configured by the {@code gateway.yaml} {@link ClusterConfigs} wrote into
 * its folder (the embedded ledger, or the {@code redis} store). A {@code SIGTERM} stops it gracefully: the filter's
 * {@code destroy} folds the journal, hands its slices back to Redis and closes the ledger, so {@link LedgerTotals}
 * can read what it charged.
 *
 * <p>Usage: {@code ClusterNode <port> <node folder>}. Prints {@code ready} once it serves.
 */
public final class ClusterNode {

    private ClusterNode() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        Path dir = Path.of(args[1]);
        byte[] page = new byte[10 * 1024];
        Arrays.fill(page, (byte) 'x');

        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addFilter(new FilterHolder(TollgateFilter.builder().configFile(dir.resolve("gateway.yaml"))
                .watchConfig(false).build()), "/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder(new LoadServer.PageServlet(page)), "/");
        server.setHandler(context);
        server.setStopAtShutdown(true); // SIGTERM: stop Jetty, which destroys the filter and closes the ledger
        server.start();
        System.out.println("ready: node " + dir.getFileName() + " on " + port);
        server.join();
    }
}
