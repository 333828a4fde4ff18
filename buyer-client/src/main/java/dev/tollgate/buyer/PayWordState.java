package dev.tollgate.buyer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The PayWord part of the {@link Wallet}: the buyer's Ed25519 key, the broker's certificates of it and the chains
 * committed to sellers (docs/PROTOCOL.md section 8). Every method runs under the wallet's monitor.
 */
final class PayWordState {

    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    /** A broker certificate of the buyer's key, and how much of its limit chains have committed. */
    static final class Certificate {
        final String jws;
        final String id;
        final long limit;
        final Instant expiresAt;
        long committed;

        Certificate(String jws, String id, long limit, Instant expiresAt, long committed) {
            this.jws = jws;
            this.id = id;
            this.limit = limit;
            this.expiresAt = expiresAt;
            this.committed = committed;
        }
    }

    /** One payment on a chain: the index to reveal and how many words it reveals anew. */
    record Step(ChainEntry chain, int index, int newWords, boolean withCommitment) {
    }

    private final Wallet wallet;
    private KeyPair key;
    private final List<Certificate> certificates = new ArrayList<>();
    private final List<ChainEntry> chains = new ArrayList<>();

    PayWordState(Wallet wallet) {
        this.wallet = wallet;
    }

    /** The buyer's PayWord key, made (and saved) at first use. */
    KeyPair key() throws WalletException {
        synchronized (wallet) {
            if (key == null) {
                try {
                    key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException("Ed25519 is required of every JDK since 15", e);
                }
                wallet.save();
            }
            return key;
        }
    }

    /** A chain of {@code offer}'s seller and origin, words of {@code unit}, that can pay {@code price} now; or null. */
    ChainEntry chainFor(Offer offer, long unit, long price, Instant now, long margin) {
        synchronized (wallet) {
            for (ChainEntry c : chains) {
                if (c.seller.equals(offer.seller()) && c.origin.equals(offer.origin()) && c.unit == unit && now.plusSeconds(margin).isBefore(c.expiresAt)
                        && (long) c.revealed + c.wordsFor(price) <= c.length) {
                    return c;
                }
            }
            return null;
        }
    }

    /** A certificate with {@code need} of its limit uncommitted, valid for {@code lifetime} seconds more. */
    Certificate certificateFor(long need, Instant now, long lifetime) {
        synchronized (wallet) {
            for (Certificate c : certificates) {
                if (c.limit - c.committed >= need && now.plusSeconds(lifetime).isBefore(c.expiresAt)) {
                    return c;
                }
            }
            return null;
        }
    }

    void add(Certificate certificate) throws WalletException {
        synchronized (wallet) {
            if (certificates.size() >= Wallet.MAX_CERTIFICATES) {
                certificates.removeIf(c -> c.committed >= c.limit); // wholly committed: it commits no new chain
            }
            if (certificates.size() >= Wallet.MAX_CERTIFICATES) {
                throw new WalletException("the wallet holds " + Wallet.MAX_CERTIFICATES + " PayWord certificates "
                        + "with limit left already");
            }
            certificates.add(certificate);
            wallet.save();
        }
    }

    /** Adds a chain committed on {@code certificate}, and saves the wallet before the chain pays anything. */
    void add(ChainEntry chain, Certificate certificate) throws WalletException {
        synchronized (wallet) {
            if (chains.size() >= Wallet.MAX_CHAINS) {
                chains.removeIf(ChainEntry::usedUp); // every word revealed and paid for: it pays nothing more
            }
            if (chains.size() >= Wallet.MAX_CHAINS) {
                throw new WalletException("the wallet holds " + Wallet.MAX_CHAINS + " PayWord chains already");
            }
            certificate.committed += chain.length * chain.unit;
            chains.add(chain);
            wallet.save();
        }
    }

    /**
     * Reveals the words that make {@code chain}'s credit cover {@code price} and reserves the price; the wallet is
     * saved with the new index before the word is sent, so a restart never reveals it as new again.
     */
    Step reveal(ChainEntry chain, long price) throws WalletException {
        synchronized (wallet) {
            int words = chain.wordsFor(price);
            int index = Math.max(1, chain.revealed + words);
            chain.revealed = index;
            chain.inFlight += price;
            wallet.save();
            return new Step(chain, index, words, !chain.recorded);
        }
    }

    /** A request on the chain ended; the seller consumed {@code consumed} of the reserved {@code price}. */
    void settle(ChainEntry chain, long price, long consumed, boolean recorded) {
        synchronized (wallet) {
            chain.inFlight -= price;
            chain.consumed += consumed;
            chain.recorded |= recorded;
        }
    }

    /**
     * Takes the gateway's word for the chain's head ({@code extensions.tollgate.chain} of a refusal) when no other
     * request of the chain is in flight.
     */
    void resync(ChainEntry chain, long headIndex, long credit) {
        synchronized (wallet) {
            if (chain.inFlight == 0 && headIndex >= 0 && headIndex <= chain.length && credit >= 0) {
                chain.revealed = (int) Math.max(chain.revealed, headIndex);
                chain.consumed = Math.max(0, chain.revealed * chain.unit - credit);
            }
        }
    }

    /** The gateway does not know the chain (a restart lost it, or it never arrived): send the commitment again. */
    void unrecorded(ChainEntry chain) {
        synchronized (wallet) {
            chain.recorded = false;
        }
    }

    /** Drops a chain the gateway refuses. */
    void drop(ChainEntry chain) throws WalletException {
        synchronized (wallet) {
            chains.remove(chain);
            wallet.save();
        }
    }

    List<ChainEntry> chains() {
        synchronized (wallet) {
            return List.copyOf(chains);
        }
    }

    List<Certificate> certificates() {
        synchronized (wallet) {
            return List.copyOf(certificates);
        }
    }

    boolean prune(Instant now) {
        boolean changed = chains.removeIf(c -> c.inFlight == 0 && !now.isBefore(c.expiresAt));
        return changed | certificates.removeIf(c -> !now.isBefore(c.expiresAt));
    }

    void save(ObjectNode node) {
        if (key != null) {
            node.put("privateKey", B64URL.encodeToString(key.getPrivate().getEncoded()))
                    .put("publicKey", B64URL.encodeToString(key.getPublic().getEncoded()));
        }
        ArrayNode certs = node.putArray("certificates");
        for (Certificate c : certificates) {
            certs.addObject().put("id", c.id).put("certificate", c.jws).put("limit", Long.toString(c.limit))
                    .put("committed", Long.toString(c.committed)).put("expiresAt", c.expiresAt.toString());
        }
        ArrayNode list = node.putArray("chains");
        for (ChainEntry c : chains) {
            list.addObject().put("seller", c.seller).put("origin", c.origin).put("certificate", c.certificateId)
                    .put("top", B64URL.encodeToString(c.top)).put("length", c.length)
                    .put("unit", Long.toString(c.unit)).put("commitment", c.commitment)
                    .put("commitmentId", c.commitmentId).put("expiresAt", c.expiresAt.toString())
                    .put("revealed", c.revealed).put("consumed", Long.toString(c.consumed))
                    .put("recorded", c.recorded);
        }
    }

    void load(JsonNode node) {
        if (node.isMissingNode()) {
            return;
        }
        if (node.has("privateKey")) {
            try {
                KeyFactory ed = KeyFactory.getInstance("Ed25519");
                key = new KeyPair(ed.generatePublic(new X509EncodedKeySpec(Wallet.bytes(node, "publicKey"))),
                        ed.generatePrivate(new PKCS8EncodedKeySpec(Wallet.bytes(node, "privateKey"))));
            } catch (GeneralSecurityException e) {
                throw new IllegalArgumentException("its PayWord key is not an Ed25519 key pair");
            }
        }
        for (JsonNode c : Wallet.array(node, "certificates")) {
            certificates.add(new Certificate(Wallet.text(c, "certificate"), Wallet.text(c, "id"),
                    Wallet.micros(c, "limit"), Instant.parse(Wallet.text(c, "expiresAt")),
                    Wallet.micros(c, "committed")));
        }
        for (JsonNode c : Wallet.array(node, "chains")) {
            ChainEntry chain = new ChainEntry(Wallet.text(c, "seller"), Wallet.optionalText(c, "origin"),
                    Wallet.text(c, "certificate"),
                    Wallet.bytes(c, "top"), c.path("length").asInt(), Wallet.micros(c, "unit"),
                    Wallet.text(c, "commitment"), Wallet.text(c, "commitmentId"),
                    Instant.parse(Wallet.text(c, "expiresAt")));
            chain.revealed = c.path("revealed").asInt();
            chain.consumed = Wallet.micros(c, "consumed");
            chain.recorded = c.path("recorded").asBoolean();
            if (chain.length < 1 || chain.revealed < 0 || chain.revealed > chain.length || chain.unit < 1) {
                throw new IllegalArgumentException("a PayWord chain has impossible indices");
            }
            chains.add(chain);
        }
    }

    static String publicX(KeyPair key) {
        byte[] spki = key.getPublic().getEncoded();
        return B64URL.encodeToString(java.util.Arrays.copyOfRange(spki, spki.length - 32, spki.length));
    }
}
