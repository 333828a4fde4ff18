package dev.tollgate.buyer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the buyer holds: scrip with its unspent budgets, PayWord chains with their indices, the PayWord key and
 * certificates, the latest receipts and the totals paid per seller; kept in a {@link WalletFile} if given one, so a
 * restart reuses what was bought. Saved after every purchase (before the purchase is used) and every settled payment.
 *
 * <p>Bounded: at most {@link #MAX_SCRIP} scrip, {@link #MAX_CHAINS} chains (used-up ones go first),
 * {@link #MAX_CERTIFICATES} certificates (wholly committed ones go first), {@link #MAX_RECEIPTS} receipts (the
 * oldest go; the per-seller totals keep counting them) and {@link Budget#MAX_SELLERS} sellers' totals. Used-up and
 * expired scrip and chains leave it. Thread-safe: one monitor guards all of it and the file.
 */
final class Wallet {

    static final int MAX_SCRIP = 1_000;
    static final int MAX_CHAINS = 1_000;
    static final int MAX_CERTIFICATES = 100;
    static final int MAX_RECEIPTS = 1_000;

    private final Path file;
    private final String broker;
    private final String account;
    private final List<ScripEntry> scrip = new ArrayList<>();
    final PayWordState payword;
    private final Deque<Receipt> receipts = new ArrayDeque<>();
    private final Map<String, long[]> totals = new LinkedHashMap<>(); // seller -> {paid, requests}

    private Wallet(Path file, String broker, String account) {
        this.file = file;
        this.broker = broker;
        this.account = account;
        this.payword = new PayWordState(this);
    }

    /** A wallet kept in memory only. */
    static Wallet inMemory(String broker, String account) {
        return new Wallet(null, broker, account);
    }

    /**
     * The wallet in {@code file}, or a new one there if the file does not exist.
     *
     * @throws WalletException if the file is corrupt or belongs to another account or broker
     */
    static Wallet open(Path file, String broker, String account) throws WalletException {
        Wallet wallet = new Wallet(file, broker, account);
        if (!Files.exists(file)) {
            synchronized (wallet) {
                wallet.save();
            }
            return wallet;
        }
        ObjectNode doc = WalletFile.read(file);
        String fileBroker = doc.path("broker").asText();
        String fileAccount = doc.path("account").asText();
        if (!broker.equals(fileBroker) || !account.equals(fileAccount)) {
            throw new WalletException("wallet file " + file + " belongs to account " + fileAccount + " at broker "
                    + fileBroker + ", not to account " + account + " at " + broker + "; use another --wallet");
        }
        try {
            synchronized (wallet) {
                wallet.load(doc);
            }
        } catch (RuntimeException e) {
            throw new WalletException("wallet file " + file + " is corrupt: " + e.getMessage(), e);
        }
        return wallet;
    }

    // ---- scrip

    /** A scrip of {@code offer}'s seller and origin with {@code price} available, reserved for one request; or null. */
    synchronized ScripEntry leaseShared(Offer offer, long price, Instant now, long margin) {
        for (ScripEntry e : scrip) {
            if (pays(e, offer) && !e.exclusive && e.usableAt(now, margin) && e.available() >= price) {
                e.inFlight += price;
                return e;
            }
        }
        return null;
    }

    /**
     * A scrip of {@code seller} that no request uses and whose whole remainder is from {@code min} to {@code max},
     * leased whole to one metered request (its gateway may draw all of it); null if none.
     */
    synchronized ScripEntry leaseExclusive(Offer offer, long min, long max, Instant now, long margin) {
        for (ScripEntry e : scrip) {
            long left = e.available();
            if (pays(e, offer) && !e.exclusive && e.inFlight == 0 && e.usableAt(now, margin)
                    && left >= min && left <= max) {
                e.exclusive = true;
                e.inFlight = left;
                return e;
            }
        }
        return null;
    }

    /**
     * The budget left on the scrip this client bought for {@code seller} (any seller if null), beyond what requests in
     * flight hold: money the sellers can claim at the broker without a receipt the client will ever see.
     */
    synchronized long unspentBoughtHere(String seller) {
        long unspent = 0;
        for (ScripEntry e : scrip) {
            if (e.boughtHere && (seller == null || e.seller.equals(seller))) {
                unspent += Math.max(0, e.available());
            }
        }
        return unspent;
    }

    private static boolean pays(ScripEntry e, Offer offer) {
        return e.seller.equals(offer.seller()) && e.origin.equals(offer.origin());
    }

    /** Adds bought scrip and saves the wallet, before the scrip is used. */
    synchronized void add(ScripEntry e) throws WalletException {
        if (scrip.size() >= MAX_SCRIP) {
            throw new WalletException("the wallet holds " + MAX_SCRIP + " scrip already");
        }
        scrip.add(e);
        save();
    }

    /**
     * Ends a request's lease: it was charged {@code charged}; {@code remaining} is what its receipt says is left on
     * the scrip (negative if it says nothing). Returns what the receipt reveals was charged beyond the client's
     * own count (a request whose answer was lost, resent by the HTTP stack), which the caller counts as spent.
     */
    synchronized long settle(ScripEntry e, long reserved, long charged, long remaining) {
        e.inFlight -= reserved;
        e.exclusive = false;
        e.spent += charged;
        long unseen = 0;
        if (remaining >= 0 && e.inFlight == 0 && e.budget - remaining > e.spent) {
            unseen = e.budget - remaining - e.spent;
            e.spent += unseen;
        }
        forgetIfUsedUp(e);
        return unseen;
    }

    /**
     * Ends a lease of a scrip the gateway says cannot pay (spent, expired, refused too often) and returns what of its
     * budget the client had not counted yet (nor has in flight), which the caller counts as spent: the seller holds
     * the token and can claim all of it at the broker, whatever its refusal said.
     */
    synchronized long retire(ScripEntry e, long reserved) {
        e.inFlight -= reserved;
        e.exclusive = false;
        long writtenOff = Math.max(0, e.budget - e.spent - e.inFlight);
        e.spent += writtenOff;
        forgetIfUsedUp(e);
        return writtenOff;
    }

    private void forgetIfUsedUp(ScripEntry e) {
        if (e.inFlight == 0 && e.spent >= e.budget) {
            scrip.remove(e);
        }
    }

    /** Unspent scrip budget per seller, for the wallet view. */
    synchronized List<ScripEntry> scrip() {
        return List.copyOf(scrip);
    }

    // ---- receipts

    /** Records a receipt and saves the wallet. */
    synchronized void record(Receipt r) throws WalletException {
        receipts.addLast(r);
        while (receipts.size() > MAX_RECEIPTS) {
            receipts.removeFirst();
        }
        long[] t = totals.get(r.seller());
        if (t == null && totals.size() < Budget.MAX_SELLERS) {
            t = new long[2];
            totals.put(r.seller(), t);
        }
        if (t != null) {
            t[0] += r.amountMicros();
            t[1]++;
        }
        save();
    }

    /** Whether a receipt with this transaction id is among the latest receipts. */
    synchronized boolean knows(String transaction) {
        if (transaction.isEmpty()) {
            return false;
        }
        for (Receipt r : receipts) {
            if (r.transaction().equals(transaction)) {
                return true;
            }
        }
        return false;
    }

    synchronized List<Receipt> receipts() {
        return List.copyOf(receipts);
    }

    /** Paid and requests per seller over the wallet's life. */
    synchronized Map<String, long[]> totals() {
        Map<String, long[]> copy = new LinkedHashMap<>();
        totals.forEach((k, v) -> copy.put(k, v.clone()));
        return copy;
    }

    /** Drops expired scrip and chains (their remainders return to the account at the broker) and saves. */
    synchronized void prune(Instant now) throws WalletException {
        boolean changed = scrip.removeIf(e -> e.inFlight == 0 && !now.isBefore(e.expiresAt));
        changed |= payword.prune(now);
        if (changed) {
            save();
        }
    }

    /** Writes the wallet to its file, if it has one; callers hold the monitor. */
    void save() throws WalletException {
        if (file == null) {
            return;
        }
        ObjectNode doc = WalletFile.newDocument().put("broker", broker).put("account", account);
        ArrayNode s = doc.putArray("scrip");
        for (ScripEntry e : scrip) {
            s.addObject().put("seller", e.seller).put("origin", e.origin).put("token", e.token).put("jti", e.jti)
                    .put("budget", Long.toString(e.budget)).put("spent", Long.toString(e.spent))
                    .put("expiresAt", e.expiresAt.toString());
        }
        payword.save(doc.putObject("payword"));
        ObjectNode t = doc.putObject("totals");
        totals.forEach((seller, v) -> t.putObject(seller).put("paid", Long.toString(v[0])).put("requests", v[1]));
        ArrayNode r = doc.putArray("receipts");
        for (Receipt x : receipts) {
            r.addObject().put("time", x.time().toString()).put("seller", x.seller()).put("url", x.url())
                    .put("scheme", x.scheme()).put("charge", x.charge()).put("amount", Long.toString(x.amountMicros()))
                    .put("currency", x.currency()).put("transaction", x.transaction()).put("refunded", x.refunded())
                    .put("note", x.note());
        }
        WalletFile.write(file, doc);
    }

    private void load(ObjectNode doc) {
        for (JsonNode e : array(doc, "scrip")) {
            scrip.add(new ScripEntry(text(e, "seller"), optionalText(e, "origin"), text(e, "token"), text(e, "jti"), micros(e, "budget"),
                    Instant.parse(text(e, "expiresAt")), micros(e, "spent")));
        }
        payword.load(doc.path("payword"));
        Iterator<Map.Entry<String, JsonNode>> t = doc.path("totals").fields();
        while (t.hasNext()) {
            Map.Entry<String, JsonNode> e = t.next();
            totals.put(e.getKey(), new long[] {micros(e.getValue(), "paid"), e.getValue().path("requests").asLong()});
        }
        for (JsonNode x : array(doc, "receipts")) {
            receipts.addLast(new Receipt(Instant.parse(text(x, "time")), text(x, "seller"), text(x, "url"),
                    text(x, "scheme"), text(x, "charge"), micros(x, "amount"), text(x, "currency"),
                    x.path("transaction").asText(), x.path("refunded").asBoolean(), x.path("note").asText()));
        }
    }

    static Iterable<JsonNode> array(JsonNode doc, String field) {
        JsonNode a = doc.path(field);
        if (!a.isMissingNode() && !a.isArray()) {
            throw new IllegalArgumentException("'" + field + "' is not a list");
        }
        return a;
    }

    static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException("an entry has no text '" + field + "'");
        }
        return v.asText();
    }

    /** A text field a wallet written before it existed lacks: the empty string then, which matches nothing. */
    static String optionalText(JsonNode node, String field) {
        return node.has(field) ? text(node, field) : "";
    }

    static long micros(JsonNode node, String field) {
        return dev.tollgate.protocol.Money.parseMicros(text(node, field));
    }

    static byte[] bytes(JsonNode node, String field) {
        return Base64.getUrlDecoder().decode(text(node, field));
    }
}
