/**
 * Implementation of the gateway filter. Not an API: anything here may change in any release.
 */
package dev.tollgate.gateway.internal;
