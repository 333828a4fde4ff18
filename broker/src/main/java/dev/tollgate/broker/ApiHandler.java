package dev.tollgate.broker;

import java.io.IOException;
import java.sql.SQLException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's JSON API: which endpoints exist and the method each takes, and how a failure is answered. The route
 * table below is the whole API; {@link BuyerApi} and {@link SellerApi} do the endpoints' work. A refusal is an
 * {@link ApiException}'s {@code {"error", "message"}}; a database failure a 503 (busy or unavailable, retry) or a
 * 500, logged; anything else a 500, logged. Knows nothing about TLS. Thread-safe.
 */
final class ApiHandler {

    static final String JWKS_PATH = "/.well-known/jwks.json";
    static final String ACCOUNTS_PATH = "/v1/accounts";
    static final String ME_PATH = "/v1/accounts/me";
    static final String SCRIP_PATH = "/v1/scrip";
    static final String CANCEL_PATH = "/v1/scrip/cancel";
    static final String REDEMPTIONS_PATH = "/v1/redemptions";
    static final String CHARGES_PATH = "/v1/charges";
    static final String VOIDS_PATH = "/v1/charges/void";
    static final String CERTIFICATES_PATH = "/v1/payword/certificates";
    /** {@code /v1/sellers/{id}/statement}. */
    static final Pattern STATEMENT_PATH = Pattern.compile("/v1/sellers/([A-Za-z0-9._-]{1,64})/statement");

    private static final Logger LOG = LoggerFactory.getLogger(ApiHandler.class);

    private final BuyerApi buyers;
    private final SellerApi sellers;
    private final boolean demoMode;

    /** @param demoMode whether {@code POST /v1/accounts} exists (a demo broker creates funded accounts for anyone) */
    ApiHandler(BuyerApi buyers, SellerApi sellers, boolean demoMode) {
        this.buyers = buyers;
        this.sellers = sellers;
        this.demoMode = demoMode;
    }

    void handle(Request request, Response response, Callback callback) {
        try {
            route(request, response, callback);
        } catch (ApiException e) {
            ApiAnswers.error(response, callback, e);
        } catch (SQLException e) {
            ApiException answer = StorageFailure.answer(e);
            if (answer.status() == 503) {
                LOG.warn("{} {} refused: the database is busy or unavailable ({})", request.getMethod(),
                        Request.getPathInContext(request), e.getMessage());
            } else {
                LOG.error("{} {} failed", request.getMethod(), Request.getPathInContext(request), e);
            }
            ApiAnswers.error(response, callback, answer);
        } catch (IOException | RuntimeException e) {
            LOG.error("{} {} failed", request.getMethod(), Request.getPathInContext(request), e);
            ApiAnswers.error(response, callback, new ApiException(500, "internal_error",
                    "the broker could not complete the request; nothing was charged"));
        }
    }

    private void route(Request request, Response response, Callback callback)
            throws ApiException, SQLException, IOException {
        String path = Request.getPathInContext(request);
        String method = request.getMethod();
        switch (path) {
            case JWKS_PATH -> {
                requireMethod(method, "GET");
                sellers.jwks(response, callback);
            }
            case ACCOUNTS_PATH -> {
                if (!demoMode) {
                    throw new ApiException(404, "not_found", "no such endpoint: accounts are created over HTTP on a"
                            + " demo broker only");
                }
                requireMethod(method, "POST");
                buyers.createAccount(request, response, callback);
            }
            case ME_PATH -> {
                requireMethod(method, "GET");
                buyers.me(request, response, callback);
            }
            case SCRIP_PATH -> {
                requireMethod(method, "POST");
                buyers.issueScrip(request, response, callback);
            }
            case CERTIFICATES_PATH -> {
                requireMethod(method, "POST");
                buyers.certify(request, response, callback);
            }
            case REDEMPTIONS_PATH -> {
                requireMethod(method, "POST");
                sellers.redeem(request, response, callback);
            }
            case CHARGES_PATH -> {
                requireMethod(method, "POST");
                sellers.charge(request, response, callback);
            }
            case VOIDS_PATH -> {
                requireMethod(method, "POST");
                sellers.voidCharges(request, response, callback);
            }
            case CANCEL_PATH -> {
                requireMethod(method, "POST");
                sellers.cancel(request, response, callback);
            }
            default -> {
                Matcher m = STATEMENT_PATH.matcher(path);
                if (!m.matches()) {
                    throw new ApiException(404, "not_found", "no such endpoint");
                }
                requireMethod(method, "GET");
                sellers.statement(request, m.group(1), response, callback);
            }
        }
    }

    private static void requireMethod(String method, String allowed) throws ApiException {
        if (!allowed.equals(method)) {
            throw new ApiException(405, "method_not_allowed", "use " + allowed);
        }
    }
}
