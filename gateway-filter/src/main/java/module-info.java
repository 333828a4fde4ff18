/**
 * Tollgate's gateway: the servlet filter that sells content for broker scrip and PayWord, and the ledger SPI. Only the
 * API packages are exported; the filter's stages and helpers (docs/ARCHITECTURE.md) are not. On the class path, where
 * most containers load a web app, the module boundary does not apply and the same jar works unchanged.
 */
module dev.tollgate.gateway {
    requires transitive jakarta.servlet;
    requires transitive dev.tollgate.protocol;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.dataformat.yaml;
    requires jjwt.api; // jjwt-api 0.13 names no module: its automatic name comes from the jar's file name
    requires jjwt.jackson; // likewise; jjwt reads JSON with our mapper (keys.Crypto)
    requires com.github.benmanes.caffeine;
    requires org.bouncycastle.provider;
    requires org.xerial.sqlitejdbc;
    requires java.sql;
    requires java.net.http;
    requires org.slf4j;
    requires static micrometer.core; // optional: the metrics package counts into it only where the app has it

    exports dev.tollgate.gateway;
    exports dev.tollgate.gateway.ledger;
    uses dev.tollgate.gateway.ledger.LedgerProvider; // a shared ledger (ledger.store), such as gateway-cluster's redis
    opens dev.tollgate.gateway.config to com.fasterxml.jackson.databind; // the YAML file is bound to ConfigFile
}
