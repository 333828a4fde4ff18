package dev.tollgate.broker;

import java.time.Instant;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The listings' rows as JSON: scrip (in a buyer's account and in a seller's statement), PayWord certificates (the
 * buyer's) and commitments (the seller's), and the status a reader sees. Amounts are decimal strings, times ISO 8601.
 */
final class AnswerRows {

    private AnswerRows() {
    }

    /** One scrip as the buyer's view ({@code withSeller}) and the seller's statement list it. */
    static void scrip(ArrayNode into, ScripStore.ScripRow row, boolean withSeller, long now) {
        ObjectNode s = into.addObject();
        s.put("jti", row.jti());
        if (withSeller) {
            s.put("seller", row.seller());
        }
        s.put("budget", Long.toString(row.budget()));
        s.put("redeemed", Long.toString(row.redeemed()));
        s.put("expiresAt", row.expiresAt().toString());
        s.put("status", status(row.status(), row.expiresAt(), now));
    }

    /** One PayWord certificate as its buyer sees it. */
    static void certificate(ArrayNode into, PayWordStore.CertificateRow row, long now) {
        ObjectNode c = into.addObject();
        c.put("id", row.id());
        c.put("limit", Long.toString(row.limit()));
        c.put("redeemed", Long.toString(row.redeemed()));
        c.put("expiresAt", row.expiresAt().toString());
        c.put("status", status(row.status(), row.expiresAt(), now));
    }

    /** One PayWord commitment as its seller sees it. */
    static void commitment(ArrayNode into, PayWordStore.CommitmentRow row) {
        ObjectNode c = into.addObject();
        c.put("commitmentId", row.id());
        c.put("certificate", row.certificate());
        c.put("n", row.n());
        c.put("unit", Long.toString(row.unit()));
        c.put("index", row.index());
        c.put("credited", Long.toString(row.credited()));
        c.put("firstClaimedAt", row.createdAt().toString());
    }

    /** {@code active}, {@code expired} (past expiresAt, remainder still reserved) or {@code returned}. */
    private static String status(String stored, Instant expiresAt, long now) {
        boolean expired = stored.equals("active") && expiresAt.getEpochSecond() <= now;
        return expired ? "expired" : stored;
    }
}
