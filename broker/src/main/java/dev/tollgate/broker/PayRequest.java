package dev.tollgate.broker;

import java.net.URI;
import java.net.URISyntaxException;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The parameters of a browser payment ({@code GET /pay} and the forms that follow it), validated before anything
 * is shown: nothing here is trusted because it came back in a hidden field, and a request that fails any check is
 * answered with an error page, never a redirect.
 *
 * @param seller the registered seller
 * @param returnUrl where the result is POSTed: an absolute URL on one of the seller's registered origins
 * @param returnOrigin the registered origin of {@code returnUrl}, as registered
 * @param state the seller's opaque value, handed back as it came
 * @param price the price of the item, micro-units
 * @param item the item's description, shown to the buyer (escaped)
 */
record PayRequest(Seller seller, String returnUrl, String returnOrigin, String state, long price, String item) {

    static final Pattern STATE = Pattern.compile("[A-Za-z0-9_-]{16,128}");
    static final int MAX_ITEM = 200;
    static final int MAX_RETURN_URL = 2048;
    private static final Pattern SELLER_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,18}");

    /** The seller registry, as the pages see it. */
    @FunctionalInterface
    interface Sellers {
        Optional<Seller> find(String id) throws SQLException;
    }

    /** Validates {@code params}; the first bad one is named in the {@link PageException} (status 400). */
    static PayRequest parse(Map<String, String> params, Sellers sellers) throws PageException, SQLException {
        String sellerId = params.get("seller");
        if (sellerId == null || !SELLER_ID.matcher(sellerId).matches()) {
            throw PageException.badRequest("The payment request names no valid seller.");
        }
        Seller seller = sellers.find(sellerId).orElseThrow(() -> PageException.badRequest(
                "The seller of this payment request is not registered at this broker."));
        String returnUrl = params.get("return");
        String origin = returnOrigin(returnUrl, seller);
        String state = params.get("state");
        if (state == null || !STATE.matcher(state).matches()) {
            throw PageException.badRequest("The payment request's state must be 16 to 128 letters, digits, '_' or"
                    + " '-'.");
        }
        String price = params.get("price");
        if (price == null || !DIGITS.matcher(price).matches()
                || Long.parseLong(price) > ScripRules.MAX_BUDGET_MICROS) {
            throw PageException.badRequest("The payment request's price must be whole micro-units from 0 to "
                    + ScripRules.MAX_BUDGET_MICROS + ".");
        }
        String item = params.getOrDefault("item", "");
        if (item.length() > MAX_ITEM || item.chars().anyMatch(Character::isISOControl)) {
            throw PageException.badRequest("The payment request's item must be at most " + MAX_ITEM
                    + " characters without control characters.");
        }
        return new PayRequest(seller, returnUrl, origin, state, Long.parseLong(price), item.strip());
    }

    /**
     * The registered origin {@code url} is on. Only an absolute {@code https} URL (or {@code http} on a loopback
     * host, as {@link Seller} allows for origins) without user info or fragment qualifies, so that
     * {@code javascript:}, {@code //evil}, {@code https://seller@evil} and the like are refused.
     */
    private static String returnOrigin(String url, Seller seller) throws PageException {
        PageException refused = PageException.badRequest("The return address of this payment request is not on"
                + " a site registered by the seller; the broker does not send you there.");
        if (url == null || url.isEmpty() || url.length() > MAX_RETURN_URL) {
            throw refused;
        }
        for (int i = 0; i < url.length(); i++) {
            char c = url.charAt(i);
            if (c <= 0x20 || c >= 0x7f || c == '\\') {
                throw refused;
            }
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw refused;
        }
        if (!uri.isAbsolute() || uri.isOpaque() || uri.getHost() == null || uri.getRawUserInfo() != null
                || uri.getRawFragment() != null || uri.getRawAuthority() == null
                || uri.getRawAuthority().contains("@")) {
            throw refused;
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !(scheme.equals("http") && LoopbackHosts.isLoopbackLiteral(host))) {
            throw refused;
        }
        int port = uri.getPort();
        String bare = scheme + "://" + host;
        int defaultPort = scheme.equals("https") ? 443 : 80;
        for (String origin : seller.origins()) {
            if (origin.equals(port == -1 ? bare : bare + ":" + port)
                    || (port == -1 || port == defaultPort) && (origin.equals(bare) || origin.equals(
                    bare + ":" + defaultPort))) {
                return origin;
            }
        }
        throw refused;
    }

    /** The parameters as they are carried in hidden fields and in the query of {@code GET /pay}. */
    Map<String, String> fields() {
        Map<String, String> fields = new java.util.LinkedHashMap<>();
        fields.put("seller", seller.id());
        fields.put("return", returnUrl);
        fields.put("state", state);
        fields.put("price", Long.toString(price));
        fields.put("item", item);
        return fields;
    }
}
