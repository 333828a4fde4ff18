package dev.tollgate.buyer;

import dev.tollgate.protocol.PayWordChain;
import java.time.Instant;

/**
 * One PayWord chain in the wallet, committed to one seller: its top word (from which every word is computed again
 * after a restart), its commitment, the highest index revealed and what the seller's requests consumed of it.
 * Mutable; guarded by the {@link Wallet}'s monitor.
 */
final class ChainEntry {

    final String seller;
    /** The origin it was committed at: it pays only requests there ({@link Offer#origin}). */
    final String origin;
    final String certificateId;
    final byte[] top;
    final int length;
    final long unit;
    final String commitment;
    final String commitmentId;
    final Instant expiresAt;
    /** The highest index revealed: the chain has paid {@code revealed × unit}. */
    int revealed;
    /** What the seller's requests consumed, from receipts. */
    long consumed;
    /** What requests in flight will consume. */
    long inFlight;
    /** Whether the gateway has recorded the chain, so that payments may name it by id alone. */
    boolean recorded;
    private PayWordChain chain;

    ChainEntry(String seller, String origin, String certificateId, byte[] top, int length, long unit,
               String commitment, String commitmentId, Instant expiresAt) {
        this.seller = seller;
        this.origin = origin;
        this.certificateId = certificateId;
        this.top = top.clone();
        this.length = length;
        this.unit = unit;
        this.commitment = commitment;
        this.commitmentId = commitmentId;
        this.expiresAt = expiresAt;
    }

    /** The credit revealed and not yet consumed or reserved. */
    long credit() {
        return revealed * unit - consumed - inFlight;
    }

    /** Every word revealed, its credit spent and nothing in flight: the chain pays nothing more. */
    boolean usedUp() {
        return revealed >= length && credit() <= 0 && inFlight == 0;
    }

    /** The words to reveal so that the credit covers {@code price}: 0 if it does already. */
    int wordsFor(long price) {
        long missing = price - credit();
        return missing <= 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, (missing + unit - 1) / unit);
    }

    byte[] word(int index) {
        if (chain == null) {
            chain = PayWordChain.fromTop(top, length); // hashes the chain once per process
        }
        return chain.word(index);
    }
}
