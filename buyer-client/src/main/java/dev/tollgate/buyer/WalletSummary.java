package dev.tollgate.buyer;

import dev.tollgate.protocol.Money;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;

/**
 * What a wallet holds at one moment: its scrip with what is left of each budget, and its PayWord chains with their
 * indices and credit. Immutable.
 *
 * @param currency the ISO 4217 code of every amount
 * @param scrip the unspent scrip
 * @param chains the PayWord chains
 * @since 0.1
 */
public record WalletSummary(String currency, List<Scrip> scrip, List<Chain> chains) {

    /** A scrip: the seller it pays, its id, its budget and what is left, and its expiry. */
    public record Scrip(String seller, String jti, long budgetMicros, long leftMicros, Instant expiresAt) {
    }

    /** A PayWord chain: the seller, the commitment id, words revealed of its length, the word's worth, credit left. */
    public record Chain(String seller, String commitmentId, int revealed, int length, long unitMicros,
                        long creditMicros, Instant expiresAt) {
    }

    public WalletSummary {
        scrip = List.copyOf(scrip);
        chains = List.copyOf(chains);
    }

    static WalletSummary of(Wallet wallet, String currency) {
        List<Scrip> scrip = new ArrayList<>();
        List<Chain> chains = new ArrayList<>();
        synchronized (wallet) {
            for (ScripEntry e : wallet.scrip()) {
                scrip.add(new Scrip(e.seller, e.jti, e.budget, e.budget - e.spent, e.expiresAt));
            }
            for (ChainEntry c : wallet.payword.chains()) {
                chains.add(new Chain(c.seller, c.commitmentId, c.revealed, c.length, c.unit, c.credit(),
                        c.expiresAt));
            }
        }
        return new WalletSummary(currency, scrip, chains);
    }

    /** Unspent scrip budget in all, in micro-units. */
    public long scripLeftMicros() {
        return scrip.stream().mapToLong(Scrip::leftMicros).sum();
    }

    /** The summary as a table for a person. */
    public String toTable() {
        StringBuilder out = new StringBuilder();
        out.append(String.format("SCRIP%n%-24s %-24s %14s %14s  %s%n", "SELLER", "ID", "BUDGET", "LEFT", "EXPIRES"));
        for (Scrip s : scrip) {
            out.append(String.format("%-24s %-24s %14s %14s  %s%n", s.seller(), s.jti(), money(s.budgetMicros()),
                    money(s.leftMicros()), s.expiresAt()));
        }
        out.append(String.format("%nPAYWORD CHAINS%n%-24s %-14s %12s %12s %14s  %s%n", "SELLER", "COMMITMENT",
                "WORDS", "WORD", "CREDIT", "EXPIRES"));
        for (Chain c : chains) {
            out.append(String.format("%-24s %-14s %12s %12s %14s  %s%n", c.seller(),
                    c.commitmentId().substring(0, 12) + "…", c.revealed() + "/" + c.length(), money(c.unitMicros()),
                    money(c.creditMicros()), c.expiresAt()));
        }
        return out.toString();
    }

    private String money(long micros) {
        return Money.ofMicros(micros, Currency.getInstance(currency)).toString();
    }
}
