package dev.tollgate.broker;

import java.util.Iterator;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Refuses a JSON object (a request body or a token's claims) with a member the broker does not know: a typo such as
 * {@code budjet} is an error, not ignored. Pure functions; thread-safe.
 */
final class JsonMembers {

    /** Longest part of an unknown member's name echoed in the refusal. */
    private static final int SHOWN_CHARS = 40;

    private JsonMembers() {
    }

    /**
     * @param kind what the members are called in the refusal: {@code field} or {@code claim}
     * @throws ApiException 400 {@code invalid_request} naming the first unknown member (shortened) and the allowed ones
     */
    static void allowOnly(ObjectNode node, Set<String> allowed, String kind) throws ApiException {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!allowed.contains(name)) {
                String shown = name.length() > SHOWN_CHARS ? name.substring(0, SHOWN_CHARS) + "..." : name;
                throw ApiException.badRequest("invalid_request", "unknown " + kind + " '"
                        + ApiException.printable(shown) + "'; allowed: " + String.join(", ", new TreeSet<>(allowed)));
            }
        }
    }
}
