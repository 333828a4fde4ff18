/**
 * The ledger SPI: where charges are recorded durably, and the embedded SQLite implementation ({@link
 * dev.tollgate.gateway.ledger.SqliteLedger} and the package-private collaborators it wires; docs/LEDGER.md, "Code").
 */
package dev.tollgate.gateway.ledger;
