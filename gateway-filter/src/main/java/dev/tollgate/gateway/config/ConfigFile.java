package dev.tollgate.gateway.config;

import java.util.List;

/**
 * The config file's shape as written, before validation. Every leaf keeps its position. Unknown keys are refused
 * by the mapper, so each record lists exactly the settings {@code docs/CONFIG.md} documents.
 */
record ConfigFile(Seller seller, Broker broker, Located<List<Located<Broker>>> brokers, Located<String> currency,
                  Located<String> dataDir, Ledger ledger, Located<String> maxTimeout, Settlement settlement,
                  Located<String> onlineAbove, Located<String> onlineTimeout, PayWord payword,
                  Located<List<Located<Rule>>> rules, FailedPayments failedPayments,
                  Located<String> clientAddressHeader, Located<String> mode, Located<List<Located<Pass>>> passes) {

    record FailedPayments(Located<String> burst, Located<String> perMinute, Located<String> clients) {
    }

    record Seller(Located<String> id, Located<String> name, Located<String> origin) {
    }

    record Broker(Located<String> id, Located<String> name, Located<String> issuer, Located<String> jwksUrl,
                  Located<String> tokenEndpoint, Located<String> keyRefresh, Located<String> unknownKidRefetch,
                  Located<String> maxStale, Located<String> clockSkew, Located<String> redemptionUrl,
                  Located<String> chargeUrl, Located<String> payUrl, Located<String> trustFile,
                  Located<String> cancelUrl) {
    }

    /** {@code type} is the older name of {@code store}. */
    record Ledger(Located<String> store, Located<String> type, Located<String> file, Located<String> durability,
                  Located<String> maxBacklog, Located<String> diskReserve, Located<String> uri,
                  Located<String> username, Located<String> passwordFile, Located<String> commandTimeout,
                  Located<String> waitReplicas, Located<String> leaseTtl, Located<String> sliceSpendAhead,
                  Located<String> sliceMinCharges, Located<String> sliceMaxShare, Located<String> sliceMaxScrip) {
    }

    record Settlement(Located<String> interval, Located<String> batchSize, Located<String> maxBackoff,
                      Located<String> refundWindow, Located<String> sellerKeyFile, Located<String> maxBacklogAge) {
    }

    record PayWord(Located<String> maxChainLength, Located<String> maxStep) {
    }

    record Rule(Located<String> match, Located<List<String>> methods, Located<String> price, Located<String> charge,
                Located<String> description, Located<String> mimeType, Located<String> confirm,
                Located<List<String>> schemes, Located<String> window, Located<String> stream, Located<String> unit,
                Located<String> id, Located<List<String>> brokers, Located<Free> free,
                Located<String> priceFunction, Located<String> maxPrice, Located<String> title,
                Located<String> backLink, Located<String> paywall, Located<String> access,
                Located<List<String>> passes) {
    }

    record Pass(Located<String> id, Located<String> title, Located<String> price, Located<String> duration,
                Located<List<String>> covers) {
    }

    /** A rule's free allowance: {@code free: {count: 3, per: 30d}}. */
    record Free(Located<String> count, Located<String> per, Located<String> pool) {
    }
}
