package dev.tollgate.gateway.ledger;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** {@link LedgerView#readOnly}: passes the reads on, and is no {@link Ledger} an app could cast it to. */
final class ReadOnlyLedger implements LedgerView {

    private final Ledger ledger;

    ReadOnlyLedger(Ledger ledger) {
        this.ledger = Objects.requireNonNull(ledger);
    }

    @Override
    public long remaining(ScripAccount scrip) throws LedgerUnavailableException {
        return ledger.remaining(scrip);
    }

    @Override
    public List<ScripTotal> unsettled(int limit) throws LedgerUnavailableException {
        return ledger.unsettled(limit);
    }

    @Override
    public List<ScripTotal> unsettled(String issuer, int limit) throws LedgerUnavailableException {
        return ledger.unsettled(issuer, limit);
    }

    @Override
    public ChainHead chainHead(ChainAccount chain) throws LedgerUnavailableException {
        return ledger.chainHead(chain);
    }

    @Override
    public Optional<ScripAccount> scrip(String issuer, String jti) throws LedgerUnavailableException {
        return ledger.scrip(issuer, jti);
    }

    @Override
    public Optional<String> commitment(String issuer, String commitmentId) throws LedgerUnavailableException {
        return ledger.commitment(issuer, commitmentId);
    }

    @Override
    public List<ChainTotal> unsettledChains(int limit) throws LedgerUnavailableException {
        return ledger.unsettledChains(limit);
    }

    @Override
    public List<ChainTotal> unsettledChains(String issuer, int limit) throws LedgerUnavailableException {
        return ledger.unsettledChains(issuer, limit);
    }

    @Override
    public List<PendingVoid> pendingVoids(int limit) throws LedgerUnavailableException {
        return ledger.pendingVoids(limit);
    }

    @Override
    public List<PendingVoid> pendingVoids(String issuer, int limit) throws LedgerUnavailableException {
        return ledger.pendingVoids(issuer, limit);
    }

    @Override
    public Sales sales(int recentLimit) throws LedgerUnavailableException {
        return ledger.sales(recentLimit);
    }
}
