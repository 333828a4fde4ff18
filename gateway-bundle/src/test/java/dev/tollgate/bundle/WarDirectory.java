package dev.tollgate.bundle;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * An unpacked WAR as a seller makes one: the bundle's zip unpacked into the app's folder, the README's filter
 * declaration in {@code WEB-INF/web.xml}, and static content the container's default servlet serves.
 */
final class WarDirectory {

    private WarDirectory() {
    }

    /** Writes the app into {@code root}, its filter reading {@code config}; the jars unpacked into WEB-INF/lib. */
    static List<String> write(Path root, Path bundleZip, Path config) throws IOException {
        List<String> jars = unzip(bundleZip, root);
        Files.writeString(Files.createDirectories(root.resolve("WEB-INF")).resolve("web.xml"), webXml(config));
        Files.writeString(Files.createDirectories(root.resolve("articles")).resolve("one"), "content of one");
        Files.writeString(Files.createDirectories(root.resolve("free")).resolve("page"), "free page");
        return jars;
    }

    private static String webXml(Path config) {
        return String.join("\n",
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
                "<web-app xmlns=\"https://jakarta.ee/xml/ns/jakartaee\" version=\"6.0\">",
                "  <filter>",
                "    <filter-name>tollgate</filter-name>",
                "    <filter-class>dev.tollgate.gateway.TollgateFilter</filter-class>",
                "    <init-param>",
                "      <param-name>config</param-name>",
                "      <param-value>" + config + "</param-value>",
                "    </init-param>",
                "  </filter>",
                "  <filter-mapping>",
                "    <filter-name>tollgate</filter-name>",
                "    <url-pattern>/*</url-pattern>",
                "  </filter-mapping>",
                "  <servlet>",
                "    <servlet-name>default</servlet-name>",
                "    <servlet-class>org.apache.catalina.servlets.DefaultServlet</servlet-class>",
                "  </servlet>",
                "  <servlet-mapping>",
                "    <servlet-name>default</servlet-name>",
                "    <url-pattern>/</url-pattern>",
                "  </servlet-mapping>",
                "</web-app>",
                "");
    }

    /** Unpacks {@code zip} into {@code root}, refusing entries outside it; the names of the files unpacked. */
    private static List<String> unzip(Path zip, Path root) throws IOException {
        List<String> names = new ArrayList<>();
        try (InputStream in = Files.newInputStream(zip); ZipInputStream entries = new ZipInputStream(in)) {
            for (ZipEntry entry = entries.getNextEntry(); entry != null; entry = entries.getNextEntry()) {
                Path target = root.resolve(entry.getName()).normalize();
                if (!target.startsWith(root)) {
                    throw new IOException("zip entry outside the app: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(entries, target);
                    names.add(entry.getName());
                }
            }
        }
        return names;
    }
}
