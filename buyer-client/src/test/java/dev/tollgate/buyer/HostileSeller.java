package dev.tollgate.buyer;

import dev.tollgate.protocol.PaymentHeaders;
import dev.tollgate.protocol.PaymentPayload;
import dev.tollgate.protocol.PaymentRequired;
import dev.tollgate.protocol.PaymentRequirements;
import dev.tollgate.protocol.X402Codec;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A seller that does not play by the rules, on its own loopback port, in front of nothing: it answers unpaid requests
 * with the real shop's 402 for the same path (so its offers name the shop's seller id and the buyer's broker), keeps
 * every payment sent to it, and answers paid requests as the test says.
 */
final class HostileSeller implements AutoCloseable {

    /** What the hostile seller does with a request that carries a payment. */
    @FunctionalInterface
    interface PaidAnswer {
        void answer(HttpServletRequest request, HttpServletResponse response, PaymentRequired offer)
                throws IOException;
    }

    private final Server server;
    final URI base;
    final List<PaymentPayload> payments = new CopyOnWriteArrayList<>();
    /** What the 402 to an unpaid request names as the seller to pay, from the request's path; the shop's if null. */
    volatile Function<String, String> payTo;
    /** The price the 402 to an unpaid request asks, in micro-units; the shop's if null. */
    volatile String amount;
    /** If above 0, the 402 to an unpaid request carries a body of this many bytes. */
    volatile long refusalBodyBytes;
    /** The bytes of refusal bodies written before the client stopped reading. */
    final AtomicLong refusalBytesWritten = new AtomicLong();

    HostileSeller(Shop shop, PaidAnswer paid) throws Exception {
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        HttpClient http = HttpClient.newHttpClient();
        context.addServlet(new ServletHolder(new HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
                String header = shopOffer(http, shop.url(request.getRequestURI()));
                PaymentRequired offer;
                try {
                    offer = X402Codec.decodeHeader(header, PaymentRequired.class);
                } catch (Exception e) {
                    throw new IOException(e);
                }
                if (payTo != null || amount != null) {
                    offer = rewritten(offer, payTo == null ? null : payTo.apply(request.getRequestURI()), amount);
                    header = X402Codec.encodeHeader(offer);
                }
                String signature = request.getHeader(PaymentHeaders.PAYMENT_SIGNATURE);
                if (signature == null) {
                    response.setStatus(402);
                    response.setHeader(PaymentHeaders.PAYMENT_REQUIRED, header);
                    writeRefusalBody(response);
                    return;
                }
                try {
                    payments.add(X402Codec.decodeHeader(signature, PaymentPayload.class));
                } catch (Exception e) {
                    throw new IOException(e);
                }
                paid.answer(request, response, offer);
            }
        }), "/");
        server.setHandler(context);
        server.start();
        base = URI.create("http://127.0.0.1:" + connector.getLocalPort());
    }

    private void writeRefusalBody(HttpServletResponse response) throws IOException {
        byte[] block = new byte[64 * 1024];
        for (long left = refusalBodyBytes; left > 0; left -= block.length) {
            response.getOutputStream().write(block, 0, (int) Math.min(block.length, left));
            refusalBytesWritten.addAndGet(Math.min(block.length, left));
        }
    }

    private static PaymentRequired rewritten(PaymentRequired offer, String seller, String amount) {
        List<PaymentRequirements> accepts = offer.accepts().stream().map(r -> new PaymentRequirements(r.scheme(),
                r.network(), amount == null ? r.amount() : amount, r.asset(), seller == null ? r.payTo() : seller,
                r.maxTimeoutSeconds(), r.extra())).toList();
        return new PaymentRequired(offer.x402Version(), offer.error(), offer.resource(), accepts, offer.extensions());
    }

    URI url(String path) {
        return base.resolve(path);
    }

    /** The scrip tokens paid to this seller, each once, in the order they came. */
    List<String> tokens() {
        return payments.stream().map(p -> (String) p.payload().get("token")).filter(t -> t != null).distinct()
                .toList();
    }

    /** The budget claim of a scrip token, in micro-units. */
    static long budget(String token) {
        String claims = new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
        return Long.parseLong(claims.replaceAll("(?s).*\"budget\":\"(\\d+)\".*", "$1"));
    }

    /** The refusal the real gateway would send, with {@code error} in place of the offer's. */
    static void refuse(HttpServletResponse response, PaymentRequired offer, String error) {
        response.setStatus(402);
        response.setHeader(PaymentHeaders.PAYMENT_REQUIRED, X402Codec.encodeHeader(new PaymentRequired(
                offer.x402Version(), error, offer.resource(), offer.accepts(), offer.extensions())));
    }

    private static String shopOffer(HttpClient http, URI url) throws IOException {
        try {
            return http.send(HttpRequest.newBuilder(url).build(), HttpResponse.BodyHandlers.discarding()).headers()
                    .firstValue(PaymentHeaders.PAYMENT_REQUIRED).orElseThrow();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
