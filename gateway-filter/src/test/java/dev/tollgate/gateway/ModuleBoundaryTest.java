package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The module exports the API and nothing else: the filter's stages and helpers are public only so that its packages
 * can call each other (docs/ARCHITECTURE.md), and must not become something a seller's code can depend on.
 */
final class ModuleBoundaryTest {

    private static final Path CLASSES = classesOf(TollgateFilter.class);

    @Test
    void theModuleExportsOnlyTheApiAndTheLedgerSpi() throws Exception {
        ModuleDescriptor module = ModuleFinder.of(CLASSES).find("dev.tollgate.gateway").orElseThrow().descriptor();

        assertThat(module.exports()).extracting(ModuleDescriptor.Exports::source)
                .containsExactlyInAnyOrder("dev.tollgate.gateway", "dev.tollgate.gateway.ledger");
        assertThat(module.exports()).allMatch(e -> !e.isQualified());
        assertThat(module.packages()).contains("dev.tollgate.gateway.payment", "dev.tollgate.gateway.charge",
                "dev.tollgate.gateway.route", "dev.tollgate.gateway.keys", "dev.tollgate.gateway.settlement");
    }

    /** A public class added to an exported package is API from then on: it must be added here on purpose. */
    @Test
    void theExportedPackagesHoldOnlyTheTypesMeantAsApi() throws Exception {
        assertThat(publicTypesIn("dev.tollgate.gateway")).containsExactly("BrokerSettlement", "ChargeModel",
                "FreeAllowance", "GatewayConfig", "Health", "InvalidConfigException", "Pass", "Payment", "PaywallOffer",
                "PriceFunction", "PriceRule", "SalesReport", "SettlementStatus", "ShadowReport", "TollgateFilter");
        assertThat(publicTypesIn("dev.tollgate.gateway.ledger")).containsExactly("ChainAccount", "ChainHead",
                "ChainTotal", "ChargeResult", "Ledger", "LedgerProvider", "LedgerUnavailableException", "LedgerView",
                "OneUseValues", "PendingVoid", "Sales", "ScripAccount", "ScripTotal", "SharedLedgerSettings",
                "SqliteLedger");
    }

    private static List<String> publicTypesIn(String pkg) throws IOException, ClassNotFoundException {
        Set<String> names = new TreeSet<>();
        try (Stream<Path> files = Files.list(CLASSES.resolve(pkg.replace('.', '/')))) {
            for (Path file : files.collect(Collectors.toList())) {
                String name = file.getFileName().toString();
                if (name.endsWith(".class") && !name.contains("$") && !name.equals("package-info.class")) {
                    String simple = name.substring(0, name.length() - ".class".length());
                    if (Modifier.isPublic(Class.forName(pkg + "." + simple).getModifiers())) {
                        names.add(simple);
                    }
                }
            }
        }
        return List.copyOf(names);
    }

    private static Path classesOf(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
