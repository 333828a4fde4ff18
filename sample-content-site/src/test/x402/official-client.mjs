// The official x402 v2 client beside the buyer client, on the demo. Input (a JSON file): the URL of an article the
// buyer client paid and the headers of that exchange (PAYMENT-REQUIRED it got, PAYMENT-SIGNATURE it sent,
// PAYMENT-RESPONSE it got). The official library decodes those and validates the first two against its schemas.
// Then the official fetch client pays the same URL, as a program using it would: a scheme client for "scrip" whose
// payload is the buyer client's scrip token, spend controls for USD in micro-units, and the payment-identifier
// extension's client step where the 402 declares it. The demo's certificate comes from NODE_EXTRA_CA_CERTS.
// Output (stdout): JSON {buyer: {required, payload, settlement}, official: {required, payload, status, body,
// settlement}}, each header as the official library decoded it. Any failure exits non-zero with the reason.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { wrapFetchWithPayment, x402Client } from "@x402/fetch";
import {
  decodePaymentRequiredHeader,
  decodePaymentResponseHeader,
  decodePaymentSignatureHeader,
} from "@x402/core/http";
import { PaymentPayloadV2Schema, PaymentRequiredV2Schema } from "@x402/core/schemas";

const input = JSON.parse(readFileSync(process.argv[2], "utf8"));

function decoded(requiredHeader, signatureHeader, responseHeader) {
  const required = decodePaymentRequiredHeader(requiredHeader);
  PaymentRequiredV2Schema.parse(required);
  const payload = decodePaymentSignatureHeader(signatureHeader);
  PaymentPayloadV2Schema.parse(payload);
  const settlement = decodePaymentResponseHeader(responseHeader);
  if (typeof settlement.success !== "boolean" || typeof settlement.network !== "string") {
    throw new Error("PAYMENT-RESPONSE lacks success or network");
  }
  return { required, payload, settlement };
}

const buyer = decoded(input.required, input.signature, input.response);

const scrip = {
  scheme: "scrip",
  createPaymentPayload: async (x402Version) => ({ x402Version, payload: { token: buyer.payload.payload.token } }),
};
const client = new x402Client()
  .register("tollgate:*", scrip)
  .setSpendControls({ allowedAssets: [{ network: "tollgate:*", asset: "USD", maxAmountPerPayment: "100000" }] });
// What @x402/extensions' appendPaymentIdentifierToExtensions does (that package is not pinned: it brings viem):
// a fresh id in the declared extension's info, the rest of the declaration echoed as it came.
client.onBeforePaymentCreation(async ({ paymentRequired }) => {
  const declared = paymentRequired.extensions?.["payment-identifier"];
  if (declared && typeof declared.info === "object") {
    declared.info.id = "pay_" + randomUUID().replaceAll("-", "");
  }
});

const seen = { required: null, signature: null };
const recording = async (request) => {
  const signature = request.headers.get("PAYMENT-SIGNATURE");
  const response = await fetch(request);
  if (signature === null) {
    seen.required = response.headers.get("PAYMENT-REQUIRED");
  } else {
    seen.signature = signature;
  }
  return response;
};
const paid = await wrapFetchWithPayment(recording, client)(input.url);
const body = await paid.text();
const response = paid.headers.get("PAYMENT-RESPONSE");
if (seen.required === null || seen.signature === null || response === null) {
  throw new Error(`the official client did not pay: ${paid.status} ${body}`);
}
const official = decoded(seen.required, seen.signature, response);
process.stdout.write(JSON.stringify({ buyer, official: { ...official, status: paid.status, body } }));
