package dev.tollgate.broker;

import java.util.Objects;

/**
 * A demo buyer created by {@link Broker#createDemoBuyer}: the login for the broker's browser pages and the API key
 * for its HTTP API. The password and the API key are shown once (the broker keeps only their hashes);
 * {@link #toString()} leaves both out so that they do not end up in a log by accident.
 *
 * @param username the login name, lower case
 * @param password the generated password: 20 printable characters without look-alikes
 * @param account the buyer's account id
 * @param apiKey the buyer's API key ({@code Authorization: Bearer <apiKey>})
 * @since 0.1
 */
public record DemoBuyer(String username, String password, String account, String apiKey) {

    /** @throws NullPointerException if a component is null */
    public DemoBuyer {
        Objects.requireNonNull(username, "username cannot be null.");
        Objects.requireNonNull(password, "password cannot be null.");
        Objects.requireNonNull(account, "account cannot be null.");
        Objects.requireNonNull(apiKey, "apiKey cannot be null.");
    }

    /** The username and account only; never the password or the API key. */
    @Override
    public String toString() {
        return "DemoBuyer[username=" + username + ", account=" + account + "]";
    }
}
