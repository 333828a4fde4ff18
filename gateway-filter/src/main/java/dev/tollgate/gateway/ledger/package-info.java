/**
 * The ledger SPI: where charges are recorded durably, and the embedded SQLite implementation.
 */
package dev.tollgate.gateway.ledger;
