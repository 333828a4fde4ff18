/**
 * Property and fuzz testing for Tollgate's own tests (not shipped with any module): {@link dev.tollgate.testkit.Fuzz}
 * runs a property over generated inputs with a seed that a failure names and a flag replays,
 * {@link dev.tollgate.testkit.Gen} makes hostile values and {@link dev.tollgate.testkit.Mutate} changes valid inputs
 * a little, so that they reach a parser's deep checks. Everything here is stateless and thread-safe.
 */
package dev.tollgate.testkit;
