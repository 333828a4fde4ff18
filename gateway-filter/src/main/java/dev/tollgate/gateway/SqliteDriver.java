package dev.tollgate.gateway;

import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Collections;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteJDBCLoader;

/**
 * What ties the web app's copy of sqlite-jdbc to the JVM, undone or avoided so an undeployed app can be collected.
 *
 * <p>Its native library is loaded with the platform class loader as the thread's context class loader: to load it on
 * Linux, sqlite-jdbc runs {@code uname -o}, and on JDK 17 the JDK-wide process-reaper thread that starts then
 * inherits the context loader and stays, idle, for a minute after each process: with the app's loader it kept an
 * undeployed app for that minute (Tomcat does not report it: the thread is in the JVM's system group).
 *
 * <p>The driver's registration is released when the last gateway of a web app closes. The driver registers
 * itself with the JDK's {@link DriverManager} when the ledger first opens a database; from a web app's own copy of
 * sqlite-jdbc, that registration keeps the app's class loader after undeploy (Tomcat unregisters it itself and reports
 * a leak). The ledger connects through the driver class, never through {@code DriverManager}, so releasing it changes
 * nothing for a ledger still open.
 *
 * <p>It is released only if it is the app's own: loaded by the class loader that loaded the gateway and that is the
 * app's (the thread's context class loader, as containers set it while a filter is destroyed), and not the JVM's
 * application class loader (a plain {@code java -cp} process has nothing to undeploy, and other code in it may still
 * look the driver up). A jar shared by all apps (Tomcat's {@code lib/}) is left alone. Two filters in one app count
 * as two: the last to close releases it, and a gateway opened again in the same app registers it again.
 */
final class SqliteDriver {

    private static final Logger LOG = LoggerFactory.getLogger(SqliteDriver.class);
    private static final String DRIVER = "org.sqlite.JDBC";

    /** Gateways open in this class loader; guarded by the class. */
    private static int open;
    /** The driver released when the last one closed, registered again if another opens; guarded by the class. */
    private static Driver released;

    private SqliteDriver() {
    }

    /** Loads SQLite's native library, if not yet, outside the app's context class loader (see above). */
    static void loadNativeLibrary() {
        Thread thread = Thread.currentThread();
        ClassLoader app = thread.getContextClassLoader();
        thread.setContextClassLoader(ClassLoader.getPlatformClassLoader());
        try {
            SQLiteJDBCLoader.initialize();
        } catch (Exception e) {
            // The ledger's first connection loads it again and reports what fails.
            LOG.debug("Could not load SQLite's native library ahead of the ledger", e);
        } finally {
            thread.setContextClassLoader(app);
        }
    }

    static synchronized void opened() {
        open++;
        if (released != null) {
            try {
                DriverManager.registerDriver(released);
            } catch (SQLException e) {
                LOG.debug("Could not register the SQLite JDBC driver again", e);
            }
            released = null;
        }
    }

    static synchronized void closed() {
        if (--open > 0) {
            return;
        }
        ClassLoader ours = SqliteDriver.class.getClassLoader();
        Thread thread = Thread.currentThread();
        ClassLoader app = thread.getContextClassLoader();
        if (app != ours || ours == ClassLoader.getSystemClassLoader()) {
            return;
        }
        // Should DriverManager load its drivers only now, not from the app's class loader: none of them is ours.
        thread.setContextClassLoader(ClassLoader.getPlatformClassLoader());
        try {
            for (Driver driver : Collections.list(DriverManager.getDrivers())) {
                if (driver.getClass().getName().equals(DRIVER) && driver.getClass().getClassLoader() == ours) {
                    DriverManager.deregisterDriver(driver);
                    released = driver;
                }
            }
        } catch (SQLException e) {
            LOG.debug("Could not unregister the SQLite JDBC driver", e);
        } finally {
            thread.setContextClassLoader(app);
        }
    }
}
