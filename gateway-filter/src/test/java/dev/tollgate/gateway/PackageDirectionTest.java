package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docs/ARCHITECTURE.md, "Packages": calls between the stage packages go one way, route → payment → charge → http,
 * what the route stage makes travels as data ({@code PricedRequest}, {@code Snapshot}, {@code StreamKeys}), and the
 * services around them (keys, config, settlement, ledger) call only the stage classes it names. Read from the imports
 * of the main sources.
 */
final class PackageDirectionTest {

    private static final Path MAIN = Path.of("src/main/java/dev/tollgate/gateway");
    private static final List<String> STAGES = List.of("route", "payment", "charge", "http");
    private static final Set<String> ROUTE_DATA = Set.of("route.PricedRequest", "route.Snapshot", "route.StreamKeys");
    /** The wire's vocabulary (keys), and the rules' patterns and the 402's size check (config). */
    private static final Set<String> SERVICE_USES = Set.of("http.ErrorCode", "http.PaymentException",
            "route.PathPattern", "route.StreamKeys", "http.Offers");
    private static final Pattern IMPORT = Pattern.compile(
            "^import (?:static )?dev\\.tollgate\\.gateway\\.([a-z]+)\\.(\\w+)", Pattern.MULTILINE);

    @Test
    void noStageCallsAnEarlierStage() throws IOException {
        Set<String> backwards = new TreeSet<>();
        for (int i = 0; i < STAGES.size(); i++) {
            List<String> earlier = STAGES.subList(0, i);
            for (String used : importsOf(STAGES.get(i))) {
                String pkg = used.substring(used.indexOf(" -> ") + 4, used.lastIndexOf('.'));
                if (earlier.contains(pkg) && !ROUTE_DATA.contains(used.substring(used.indexOf(" -> ") + 4))) {
                    backwards.add(used);
                }
            }
        }
        assertThat(backwards).isEmpty();
    }

    /** The services call a stage only where ARCHITECTURE.md says they do. */
    @Test
    void theServicesCallOnlyTheStageClassesTheArchitectureNames() throws IOException {
        Set<String> intoStages = new TreeSet<>();
        for (String service : List.of("keys", "config", "settlement", "ledger")) {
            for (String used : importsOf(service)) {
                String type = used.substring(used.indexOf(" -> ") + 4);
                if (STAGES.contains(type.substring(0, type.lastIndexOf('.'))) && !SERVICE_USES.contains(type)) {
                    intoStages.add(used);
                }
            }
        }
        assertThat(intoStages).as("service classes that import a stage package").isEmpty();
    }

    /** {@code File -> pkg.Type} for each import of another gateway package by the classes of {@code pkg}. */
    private static Set<String> importsOf(String pkg) throws IOException {
        Set<String> found = new TreeSet<>();
        try (Stream<Path> files = Files.list(MAIN.resolve(pkg))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Matcher m = IMPORT.matcher(Files.readString(file));
                while (m.find()) {
                    if (!m.group(1).equals(pkg)) {
                        found.add(file.getFileName().toString().replace(".java", "") + " -> " + m.group(1) + "."
                                + m.group(2));
                    }
                }
            }
        }
        return found;
    }
}
