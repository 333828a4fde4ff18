package dev.tollgate.gateway.payment;

import dev.tollgate.gateway.http.ErrorCode;
import dev.tollgate.gateway.http.PaymentException;
import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.keys.PayWordVerifier;
import dev.tollgate.gateway.route.Snapshot;
import dev.tollgate.protocol.CompactWord;
import dev.tollgate.protocol.MalformedPaymentException;
import dev.tollgate.protocol.PayWord;
import dev.tollgate.protocol.PaymentHeaders;
import dev.tollgate.protocol.PaymentPayload;

/**
 * Reads the form of a PayWord payload, or of a compact word ({@code TOLLGATE-PAYWORD}); what it claims is checked
 * against the chain when it pays.
 */
final class PayWordPayloads {

    private PayWordPayloads() {
    }

    /**
     * The PayWord payload: {@code commitment} or {@code commitmentId}, {@code index} (a JSON integer) and
     * {@code word}. Only its form is checked here; the commitment and the word are checked against the chain.
     */
    static Credential read(PaymentPayload payload, long acceptedMicros, String network)
            throws PaymentException {
        String commitment = payload.payloadString(PayWord.COMMITMENT);
        String commitmentId = payload.payloadString(PayWord.COMMITMENT_ID);
        if (commitment != null && !commitment.isEmpty()) {
            if (commitment.length() > PayWordVerifier.MAX_COMMITMENT_CHARS) {
                throw new PaymentException(ErrorCode.INVALID_COMMITMENT, "payload.commitment is longer than "
                        + PayWordVerifier.MAX_COMMITMENT_CHARS + " characters");
            }
            commitmentId = PayWord.commitmentId(commitment);
        } else if (commitmentId == null || commitmentId.length() != PayWord.WORD_CHARS) {
            throw new PaymentException(ErrorCode.MALFORMED_PAYMENT,
                    "payload must carry 'commitment', or 'commitmentId' (43 base64url characters)");
        } else {
            commitment = null;
        }
        Object index = payload.payload().get(PayWord.INDEX);
        if (!(index instanceof Integer i) || i < 0) {
            throw new PaymentException(ErrorCode.MALFORMED_PAYMENT, index instanceof Number
                    && !(index instanceof Double) && !(index instanceof java.math.BigDecimal)
                    ? "payload.index is out of range" : "payload.index must be a JSON integer");
        }
        byte[] word;
        try {
            word = PayWord.decodeWord(payload.payloadString(PayWord.WORD));
        } catch (IllegalArgumentException e) {
            throw new PaymentException(ErrorCode.MALFORMED_PAYMENT,
                    "payload.word must be " + PayWord.WORD_CHARS + " base64url characters");
        }
        return new Credential.PayWordPayment(commitment, commitmentId, i, word, acceptedMicros, network);
    }

    /**
     * A {@code TOLLGATE-PAYWORD} header (PROTOCOL.md section 8, "Compact words"): the same payment as a
     * {@code PAYMENT-SIGNATURE} on the broker's network with {@code commitmentId}, {@code index} and {@code word}, read
     * per request (a word is never sent twice, so nothing is digested or cached). Its form is checked here, as the
     * full header's is when read; the rest when it pays, by the same steps.
     *
     * @throws PaymentException {@code malformed_payment} for a header of the wrong form, a payment identifier of the
     *     wrong form, or a broker this seller does not accept
     */
    static Credential.PayWordPayment readCompact(String header, Snapshot current) throws PaymentException {
        CompactWord word;
        try {
            word = CompactWord.parse(header);
            PaymentIdentifiers.checked(word.paymentId(), "the PayWord header"); // ignored, as in the full form
        } catch (MalformedPaymentException e) {
            throw new PaymentException(ErrorCode.MALFORMED_PAYMENT, PaymentHeaders.TOLLGATE_PAYWORD + ": "
                    + e.getMessage());
        }
        for (GatewayConfig.Broker broker : current.config.brokers()) {
            if (broker.id().equals(word.brokerId())) {
                return new Credential.PayWordPayment(null, word.commitmentId(), word.index(), word.word(),
                        word.amountMicros(), broker.network());
            }
        }
        throw new PaymentException(ErrorCode.MALFORMED_PAYMENT, "broker '" + word.brokerId()
                + "' is not accepted here; pay on " + current.networks);
    }
}
