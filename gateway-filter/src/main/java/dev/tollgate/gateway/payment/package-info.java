/**
 * Reading and checking a payment: {@code PaymentReader} (the second stage: header or cookie, through the
 * {@code CredentialCache} and {@code FailedVerifications}) and the payment schemes behind {@code PaymentScheme}
 * ({@code ScripScheme}, {@code PayWordScheme}, registered in {@code PaymentSchemes}), each of which makes the
 * {@link dev.tollgate.gateway.charge.Payer} the charge models charge: {@code ScripPayer} (with the broker's {@code OnlineConfirmation}) or
 * {@code ChainPayer}. The error codes of the wire ({@code ErrorCode}) live here. Not exported by the module.
 */
package dev.tollgate.gateway.payment;

import dev.tollgate.gateway.http.ErrorCode;
import dev.tollgate.gateway.charge.Payer;
