package dev.tollgate.bundle;

import java.io.IOException;
import java.net.URL;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import org.apache.catalina.startup.Tomcat;

/**
 * The parent of the web app's class loader, seeing what a standalone Tomcat's common loader sees: the JDK, and the
 * container's own classes (Tomcat and the Servlet API), loaded once for the container and the app. Nothing else of
 * the test's class path: a class the bundle lacks is then missing in the app, as it would be in a real Tomcat,
 * instead of being found behind it on the test's class path.
 */
final class ContainerClassLoader extends ClassLoader {

    private static final List<String> CONTAINER = List.of("jakarta.", "org.apache.catalina.", "org.apache.coyote.",
            "org.apache.juli.", "org.apache.naming.", "org.apache.tomcat.");

    private final ClassLoader container = Tomcat.class.getClassLoader();

    ContainerClassLoader() {
        super("container", ClassLoader.getPlatformClassLoader());
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        if (isContainer(name)) {
            return container.loadClass(name);
        }
        throw new ClassNotFoundException(name);
    }

    @Override
    protected URL findResource(String name) {
        return isContainer(name.replace('/', '.')) ? container.getResource(name) : null;
    }

    @Override
    protected Enumeration<URL> findResources(String name) throws IOException {
        return isContainer(name.replace('/', '.')) ? container.getResources(name) : Collections.emptyEnumeration();
    }

    private static boolean isContainer(String name) {
        return CONTAINER.stream().anyMatch(name::startsWith);
    }
}
