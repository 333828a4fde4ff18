// Decodes the gateway's headers with the official x402 v2 library and validates them against its schemas,
// then pays with a header encoded by the same library. Input: a JSON file {required, response, token};
// output (stdout): JSON {required, response, signature}. Any failure exits non-zero with the reason.
import { readFileSync } from "node:fs";
import {
  decodePaymentRequiredHeader,
  decodePaymentResponseHeader,
  encodePaymentSignatureHeader,
} from "@x402/core/http";
import { PaymentRequiredV2Schema, PaymentPayloadV2Schema } from "@x402/core/schemas";

const input = JSON.parse(readFileSync(process.argv[2], "utf8"));
const required = decodePaymentRequiredHeader(input.required);
PaymentRequiredV2Schema.parse(required);
const response = decodePaymentResponseHeader(input.response);
if (typeof response.success !== "boolean" || typeof response.network !== "string") {
  throw new Error("PAYMENT-RESPONSE lacks success or network");
}
const payload = {
  x402Version: 2,
  resource: required.resource,
  accepted: required.accepts[0],
  payload: { token: input.token },
};
PaymentPayloadV2Schema.parse(payload);
const signature = encodePaymentSignatureHeader(payload);
process.stdout.write(JSON.stringify({ required, response, signature }));
