package dev.tollgate.gateway.payment;

import java.util.List;

/**
 * The payment schemes a filter accepts, by name: the reading stage picks the scheme a payload names, the paying stage
 * the one that read the credential. A handful of entries, so a scan beats a map.
 */
public final class PaymentSchemes {

    private final PaymentScheme[] schemes;
    /** For the refusal of a scheme not accepted: {@code 'scrip' or 'payword'}. */
    private final String names;

    public PaymentSchemes(List<PaymentScheme> schemes) {
        this.schemes = schemes.toArray(new PaymentScheme[0]);
        StringBuilder names = new StringBuilder();
        for (PaymentScheme scheme : this.schemes) {
            names.append(names.length() == 0 ? "'" : " or '").append(scheme.name()).append('\'');
        }
        this.names = names.toString();
    }

    /** The scheme of that name, or {@code null}. */
    PaymentScheme named(String name) {
        for (PaymentScheme scheme : schemes) {
            if (scheme.name().equals(name)) {
                return scheme;
            }
        }
        return null;
    }

    /** The scheme that read a credential. */
    public PaymentScheme of(Credential credential) {
        PaymentScheme scheme = named(credential.scheme());
        if (scheme == null) {
            throw new IllegalStateException("no scheme serves " + credential.scheme());
        }
        return scheme;
    }

    /** The names, quoted, for a refusal: {@code 'scrip' or 'payword'}. */
    String names() {
        return names;
    }
}
