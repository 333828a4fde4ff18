package dev.tollgate.site;

import java.util.List;
import java.util.Optional;

/** The Daily Byte's articles: short, real texts about what the demo itself does. */
final class Articles {

    /** One article; {@code paragraphs} are plain text (escaped when shown). */
    record Article(String slug, String title, String standfirst, List<String> paragraphs) {

        String path() {
            return "/articles/" + slug;
        }
    }

    static final List<Article> ALL = List.of(
            new Article("free-welcome", "Welcome to The Daily Byte",
                    "A small publisher that charges a few cents a read, and what you are looking at.",
                    List.of("The Daily Byte is a demonstration publisher. Every article, video and download on "
                            + "this site is priced in the gateway's configuration file, config/gateway.yaml, and "
                            + "the price you see on the home page is read from that file while the site runs.",
                            "This article is free: the first rule of the configuration carves every path starting "
                            + "with /articles/free- out of the priced articles. Open any other article and the "
                            + "gateway answers 402 Payment Required with an offer. Pay once at the broker, and the "
                            + "next articles are charged silently from the budget you chose.",
                            "Nothing here is tracked, and nothing is loaded from anywhere but this site.")),
            new Article("paying-by-the-click", "Paying by the click",
                    "Why five cents is hard to charge with a card, and easy with scrip.",
                    List.of("A card payment costs the seller a fixed fee of around thirty cents plus a percentage. "
                            + "For a five-cent article the fee is six times the price, so publishers sell "
                            + "subscriptions instead, and readers who want one article pay for a month or leave.",
                            "Scrip turns the problem around. The buyer prepays a budget at a broker once; the broker "
                            + "signs a token saying that this seller may draw down up to that budget. The seller "
                            + "verifies the signature locally and records each charge in its own ledger, without "
                            + "asking anyone. Money moves between broker and seller later, in batches.",
                            "The cost per click is a signature check and a durable write: microseconds, not cents.")),
            new Article("the-402-status-code", "The status code that waited thirty years",
                    "HTTP reserved 402 Payment Required in 1997. Here is what it says now.",
                    List.of("When HTTP/1.1 was written, 402 was reserved for future use: everyone agreed the web "
                            + "would need payments, nobody agreed how. Browsers never learned to do anything with it.",
                            "The x402 convention gives the status a body. A 402 carries a PAYMENT-REQUIRED header "
                            + "with a list of offers: which scheme, which network, how much, paid to whom. A client "
                            + "that can pay retries the request with a PAYMENT-SIGNATURE header; the answer carries "
                            + "a PAYMENT-RESPONSE with the receipt.",
                            "A program reads the header. A person gets an HTML page with the same offer and a button.")),
            new Article("hash-chains-explained", "Hash chains, explained in one coffee",
                    "How PayWord pays a cent with a single hash.",
                    List.of("Take a random secret and hash it a thousand times. Publish the last value, the root, "
                            + "signed once. To pay one unit, reveal the value just before the root: anyone can hash "
                            + "it once and see that it leads to the root, but nobody could have computed it from the "
                            + "root. To pay the next unit, reveal the value before that.",
                            "The seller keeps only the deepest value seen so far. Paying ten units at once means "
                            + "revealing a value ten hashes back. Settlement is one message: the deepest value and "
                            + "its index.",
                            "This site offers PayWord next to scrip for its metered download.")),
            new Article("durable-before-served", "Durable before served",
                    "Why the gateway writes the charge down before it sends a single byte.",
                    List.of("If a server sends content and crashes before recording the charge, the buyer got the "
                            + "content for free and the seller cannot prove otherwise. If it records the charge and "
                            + "crashes before sending, the buyer paid for nothing, but the receipt exists and can be "
                            + "refunded.",
                            "So the gateway appends each charge to its ledger journal and only then lets the request "
                            + "through. In the default durability mode the record is in the kernel's page cache "
                            + "before the content goes out: a killed process loses no charge. The stricter mode "
                            + "waits for the disk, and groups many charges under one sync.",
                            "The order is the whole trick: charge, then serve.")),
            new Article("scrip-a-short-history", "Scrip: a short history",
                    "Company towns, arcade tokens and signed JSON.",
                    List.of("Scrip is money that one issuer promises to honour in a limited place: the company store, "
                            + "the arcade, the fairground. It is older than banknotes in many towns, and it has a "
                            + "bad name because issuers abused the limits.",
                            "Digital scrip keeps the useful part. A broker issues a token that one seller may "
                            + "accept, up to a budget, until a date. The limits protect the buyer: a seller can take "
                            + "no more than the budget, and what it does not take goes back to the buyer when the "
                            + "token expires.",
                            "Millicent, a 1995 design from Digital Equipment, is the direct ancestor of this site.")));

    private Articles() {
    }

    static Optional<Article> bySlug(String slug) {
        return ALL.stream().filter(a -> a.slug().equals(slug)).findFirst();
    }
}
