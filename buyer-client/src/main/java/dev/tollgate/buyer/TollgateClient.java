package dev.tollgate.buyer;

import dev.tollgate.protocol.Money;
import dev.tollgate.protocol.PayWord;
import dev.tollgate.protocol.PaymentHeaders;
import dev.tollgate.protocol.PaymentPayload;
import dev.tollgate.protocol.PaymentRequired;
import dev.tollgate.protocol.ScripReference;
import dev.tollgate.protocol.SettlementResponse;
import dev.tollgate.protocol.X402Codec;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * An HTTP client that pays 402s by itself, within the buyer's {@link SpendingLimits}: on a 402 it reads
 * {@code PAYMENT-REQUIRED}, picks an offer it can pay (scrip, or PayWord if preferred), reserves the price against
 * the limits, pays with scrip from the wallet (bought from the broker with the API key when none is left) or with a
 * PayWord word, resends the request with {@code PAYMENT-SIGNATURE} and returns the response with its receipt.
 *
 * <pre>{@code
 * TollgateClient client = TollgateClient.builder()
 *         .broker(URI.create("https://broker.example")).apiKey(apiKey)
 *         .limits(SpendingLimits.builder("USD").maxPerRequest("0.10").maxTotal("5.00").build())
 *         .wallet(Path.of("wallet.json"))
 *         .build();
 * PaidResponse<String> article = client.send(HttpRequest.newBuilder(url).build(), BodyHandlers.ofString());
 * }</pre>
 *
 * <p>Thread-safe: many threads share one client, one wallet and one budget, and together never pass a limit.
 *
 * @since 0.1
 */
public final class TollgateClient {

    private static final int MAX_ATTEMPTS = 3;

    private final HttpClient http;
    private final BrokerApi broker;
    private final Budget budget;
    private final Wallet wallet;
    private final Clock clock;
    private final ScripPayments scrip;
    private final PayWordPayments payword;
    private final boolean preferPayWord;
    private final int lostAnswerRetries;
    private final long meteredUnits;

    private TollgateClient(Builder b, Wallet wallet) {
        this.http = b.http;
        this.broker = new BrokerApi(b.http, b.broker, b.apiKey);
        this.clock = b.clock;
        this.budget = new Budget(b.limits, b.clock);
        this.wallet = wallet;
        this.scrip = new ScripPayments(broker, wallet, budget, clock, b.requestsPerScrip);
        this.payword = new PayWordPayments(broker, wallet, budget, clock, b.certificateLimit);
        this.preferPayWord = b.preferPayWord;
        this.lostAnswerRetries = b.lostAnswerRetries;
        this.meteredUnits = b.meteredUnits;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Sends {@code request}; if it is answered 402, pays within the limits and sends it again.
     *
     * @return the response (of the paid request, or the first if it was not priced) and the receipt
     * @throws LimitExceededException if the price is above a limit; nothing was paid
     * @throws PaymentRefusedException if the seller refused the payment or offers nothing this client can pay
     * @throws BrokerException if the broker would not issue scrip or a certificate
     * @throws PaymentOutcomeUnknownException if the paid request's answer was lost and a retry could pay twice
     * @throws IOException if the request (or the broker) could not be reached, or the wallet not saved
     */
    public <T> PaidResponse<T> send(HttpRequest request, BodyHandler<T> handler) throws IOException,
            InterruptedException, PaymentException {
        return send(request, handler, meteredUnits);
    }

    /** {@link #send} with the most units a metered answer may be charged. */
    <T> PaidResponse<T> send(HttpRequest request, BodyHandler<T> handler, long units) throws IOException,
            InterruptedException, PaymentException {
        Objects.requireNonNull(request, "request cannot be null.");
        Objects.requireNonNull(handler, "handler cannot be null.");
        Answers answers = new Answers();
        HttpResponse<T> first = http.send(request, answers.wrap(handler));
        if (!isRefusal(first)) {
            return new PaidResponse<>(first, Optional.empty());
        }
        if (first.statusCode() != 402) {
            throw answers.refusal(first);
        }
        return pay(request, handler, Answers.offer(first), units);
    }

    private <T> PaidResponse<T> pay(HttpRequest request, BodyHandler<T> handler, PaymentRequired required,
                                    long units) throws IOException, InterruptedException, PaymentException {
        for (int attempt = 1; ; attempt++) {
            Offer offer = Offer.choose(required, budget.limits().currency().getCurrencyCode(),
                    broker.tokenEndpoint(), preferPayWord, Offer.originOf(request.uri()));
            long price = offer.metered() ? meteredCap(offer, units) : offer.priceMicros();
            Payment payment = PayWord.SCHEME.equals(offer.scheme()) ? payword.prepare(offer, price)
                    : scrip.prepare(offer, price);
            HttpRequest paid = withPayment(request, required, offer, payment);
            Answers answers = new Answers();
            HttpResponse<T> response = null;
            boolean lost = false;
            for (int retry = 0; response == null; retry++) {
                try {
                    response = http.send(paid, answers.wrap(handler));
                } catch (IOException e) {
                    if (retry < lostAnswerRetries && (offer.idempotent() || payment.retryCannotChargeTwice())) {
                        lost = true; // the same payment again: it cannot be charged twice
                        continue;
                    }
                    payment.lost();
                    throw new PaymentOutcomeUnknownException("the answer to a paid request to " + request.uri()
                            + " was lost; it may have cost " + money(payment.atRiskMicros()) + " (counted as spent),"
                            + " and sending it again could pay a second time", payment.atRiskMicros(), e);
                }
            }
            if (!isRefusal(response)) {
                return new PaidResponse<>(response, Optional.of(settle(offer, request, response, payment, lost)));
            }
            if (response.statusCode() != 402) {
                payment.refused("unavailable", null);
                throw answers.refusal(response);
            }
            PaymentRequired refusal = Answers.offer(response);
            String code = Offer.code(refusal);
            if ("insufficient_budget".equals(code) && (lost || payment.consumedUnseen(refusal))) {
                payment.lost(); // the word was consumed by the request whose answer was lost
                throw new PaymentOutcomeUnknownException("the answer to a paid request to " + request.uri()
                        + " was lost, and its retry shows the payment consumed; not paying again", payment
                        .atRiskMicros(), null);
            }
            if (!payment.refused(code, refusal) || attempt >= MAX_ATTEMPTS) {
                throw new PaymentRefusedException(402, code, "the seller refused the payment for " + request.uri()
                        + ": " + code + " (" + Offer.message(refusal) + ")", -1);
            }
            required = refusal;
        }
    }

    private <T> Receipt settle(Offer offer, HttpRequest request, HttpResponse<T> response, Payment payment,
                               boolean lost) throws WalletException {
        SettlementResponse settlement = Answers.receipt(response);
        Receipt receipt;
        if (settlement == null) {
            receipt = new Receipt(clock.instant(), offer.seller(), request.uri().toString(), offer.scheme(),
                    offer.charge(), payment.atRiskMicros(), offer.currency(), "", false,
                    "no readable receipt: counted at the most it could cost");
        } else {
            receipt = Receipt.of(clock.instant(), offer, request.uri().toString(), settlement);
            if (receipt.amountMicros() > payment.mostChargeableMicros()) { // counting a lie could wrap the limits
                receipt = receipt.withAmount(payment.mostChargeableMicros(), "the receipt claimed "
                        + money(receipt.amountMicros()) + ", more than the payment could give");
            }
            if (lost && offer.perStream() && receipt.amountMicros() == 0 && !wallet.knows(receipt.transaction())) {
                receipt = receipt.withAmount(offer.priceMicros(), "charged by the request whose answer was lost");
            }
        }
        payment.paid(receipt.amountMicros(), Answers.remaining(settlement));
        String reference = Answers.reference(settlement);
        if (reference != null) {
            payment.offered(reference);
        }
        wallet.record(receipt);
        return receipt;
    }

    private long meteredCap(Offer offer, long units) {
        long price = offer.priceMicros();
        long affordable = Math.min(budget.limits().maxPerRequest(), budget.headroom(offer.seller())) / price;
        return price * Math.max(1, Math.min(offer.unitsPerPayment(units), affordable)); // 1 unit too many: refused
    }

    private static HttpRequest withPayment(HttpRequest request, PaymentRequired required, Offer offer,
                                           Payment payment) {
        HttpRequest.Builder paid = HttpRequest.newBuilder(request, (name, value) -> !name.equalsIgnoreCase(
                PaymentHeaders.PAYMENT_SIGNATURE) && !name.equalsIgnoreCase(PaymentHeaders.TOLLGATE_REFERENCE)
                && !name.equalsIgnoreCase(PaymentHeaders.TOLLGATE_PAYWORD));
        String broker = offer.compactWordBroker();
        String word = broker == null ? null : payment.compactWord(broker, offer.priceMicros());
        if (word != null) { // a later word on a recorded chain, in the seller's compact header
            return paid.header(PaymentHeaders.TOLLGATE_PAYWORD, word).build();
        }
        if (payment.reference() != null) { // the seller's short reference to the scrip, instead of the payload
            String id = offer.idempotent() ? EchoedExtensions.newPaymentId() : null;
            return paid.header(PaymentHeaders.TOLLGATE_REFERENCE, new ScripReference(payment.reference(),
                    offer.priceMicros(), id).header()).build();
        }
        // x402's payment-identifier (if offer.idempotent()): a retry with the same id is never charged again
        String header = X402Codec.encodeHeader(new PaymentPayload(PaymentHeaders.X402_VERSION,
                required.resource(), offer.requirements(), payment.payload(),
                EchoedExtensions.of(required.extensions(), offer.idempotent())));
        return paid.header(PaymentHeaders.PAYMENT_SIGNATURE, header).build();
    }

    private static boolean isRefusal(HttpResponse<?> response) {
        int status = response.statusCode();
        return status == 402 || (status == 429 || status == 503)
                && response.headers().firstValue(PaymentHeaders.PAYMENT_RESPONSE).isEmpty();
    }

    private Money money(long micros) {
        return budget.limits().money(micros);
    }

    /**
     * Downloads {@code uri} into {@code file}, paying as it goes: a metered file a chunk of at most
     * {@link Builder#meteredUnitsPerRequest} units per request, resumed by {@code Range} until it is complete;
     * anything else in one paid (or free) request. A limit that stops it leaves the bytes paid for in the file.
     *
     * @param progress told of bytes written and money paid after every block
     */
    public Download download(URI uri, Path file, Download.Progress progress) throws IOException,
            InterruptedException, PaymentException {
        Objects.requireNonNull(uri, "uri cannot be null.");
        Objects.requireNonNull(file, "file cannot be null.");
        return new MeteredDownload(this, uri, file, progress == null ? (b, t, p) -> { } : progress, meteredUnits)
                .run();
    }

    /** What this client has spent since it was built, in micro-units. */
    public long spentMicros() {
        return budget.spent();
    }

    /** What was paid, from the wallet's receipts. */
    public SpendingReport report() {
        return SpendingReport.of(wallet.receipts(), wallet.totals(), budget.limits().currency().getCurrencyCode());
    }

    /** What the wallet holds now: unspent scrip and PayWord chains. */
    public WalletSummary walletSummary() {
        return WalletSummary.of(wallet, budget.limits().currency().getCurrencyCode());
    }

    /** The broker's view of the account ({@code GET /v1/accounts/me}) as its JSON text. */
    public String brokerAccount() throws IOException, InterruptedException, BrokerException {
        return broker.accountView().toPrettyString();
    }

    Wallet walletState() {
        return wallet;
    }

    BrokerApi brokerApi() {
        return broker;
    }

    HttpClient http() {
        return http;
    }

    /** Builds a {@link TollgateClient}; not thread-safe. */
    public static final class Builder {

        private HttpClient http;
        private URI broker;
        private String apiKey;
        private SpendingLimits limits;
        private Path walletFile;
        private Clock clock = Clock.systemUTC();
        private int requestsPerScrip = 20;
        private boolean preferPayWord;
        private long certificateLimit = 1_000_000;
        private int lostAnswerRetries = 2;
        private long meteredUnits = 1024;

        private Builder() {
        }

        /**
         * The broker's base URL, such as {@code https://broker.example}; required. {@code http://} only to this
         * machine ({@code localhost}, {@code 127.x.x.x}, {@code [::1]}): the API key and the scrip it buys are bearer
         * secrets, never sent in the clear over a network.
         *
         * @throws IllegalArgumentException for another scheme, or plain HTTP to another host
         */
        public Builder broker(URI broker) {
            Objects.requireNonNull(broker, "broker cannot be null.");
            String scheme = broker.getScheme() == null ? "" : broker.getScheme().toLowerCase(java.util.Locale.ROOT);
            if (!scheme.equals("https") && !(scheme.equals("http") && loopback(broker.getHost()))) {
                throw new IllegalArgumentException("the broker must be reached over https (plain http only to this "
                        + "machine), not " + broker);
            }
            this.broker = broker;
            return this;
        }

        /** Whether {@code host} names this machine without asking DNS. */
        static boolean loopback(String host) {
            return host != null && (host.equalsIgnoreCase("localhost") || host.equals("[::1]") || host.equals("::1")
                    || host.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}"));
        }

        /** The buyer's API key at the broker; required. */
        public Builder apiKey(String apiKey) {
            this.apiKey = Objects.requireNonNull(apiKey, "apiKey cannot be null.").strip();
            return this;
        }

        /** The limits; required (use {@link SpendingLimits#builder} without setting any for none). */
        public Builder limits(SpendingLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits cannot be null.");
            return this;
        }

        /** Keeps the wallet in this file (created owner-only if missing); without it the wallet lives in memory. */
        public Builder wallet(Path file) {
            this.walletFile = Objects.requireNonNull(file, "file cannot be null.");
            return this;
        }

        /**
         * The HTTP client to use (for TLS settings, proxies); a default one if not set. It must not follow redirects:
         * the JDK's client sends a request's headers on to wherever a redirect points, another host too, and these
         * carry the scrip ({@code PAYMENT-SIGNATURE}) and the API key.
         */
        public Builder httpClient(HttpClient http) {
            Objects.requireNonNull(http, "http cannot be null.");
            if (http.followRedirects() != HttpClient.Redirect.NEVER) {
                throw new IllegalArgumentException("the HTTP client must not follow redirects (it follows "
                        + http.followRedirects() + "): it would send the scrip and the API key where they point");
            }
            this.http = http;
            return this;
        }

        /** New scrip is sized for this many requests at the price that needed it (within the limits); 20. */
        public Builder requestsPerScrip(int requests) {
            if (requests < 1) {
                throw new IllegalArgumentException("requests per scrip must be at least 1: " + requests);
            }
            this.requestsPerScrip = requests;
            return this;
        }

        /** Pays with PayWord where a seller offers it (else scrip). */
        public Builder preferPayWord(boolean prefer) {
            this.preferPayWord = prefer;
            return this;
        }

        /** The limit of PayWord certificates bought from the broker (reserved from the balance); 1,000,000 (1.00). */
        public Builder certificateLimitMicros(long micros) {
            if (micros < 1) {
                throw new IllegalArgumentException("the certificate limit must be at least 1: " + micros);
            }
            this.certificateLimit = micros;
            return this;
        }

        /** The most units one metered answer may be charged (a download resumes for more); 1024. */
        public Builder meteredUnitsPerRequest(long units) {
            if (units < 1) {
                throw new IllegalArgumentException("units must be at least 1: " + units);
            }
            this.meteredUnits = units;
            return this;
        }

        /** How often a paid request whose answer was lost is sent again when that cannot pay twice; 2. */
        public Builder lostAnswerRetries(int retries) {
            this.lostAnswerRetries = Math.max(0, retries);
            return this;
        }

        Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /**
         * Builds the client, opening the wallet file.
         *
         * @throws WalletException if the wallet file is corrupt or belongs to another account or broker
         */
        public TollgateClient build() throws WalletException {
            Objects.requireNonNull(broker, "broker must be set.");
            Objects.requireNonNull(apiKey, "apiKey must be set.");
            Objects.requireNonNull(limits, "limits must be set.");
            if (http == null) {
                http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                        .followRedirects(HttpClient.Redirect.NEVER).build();
            }
            BrokerApi api = new BrokerApi(http, broker, apiKey);
            String base = broker.toString();
            Wallet wallet = walletFile == null ? Wallet.inMemory(base, api.account())
                    : Wallet.open(walletFile, base, api.account());
            wallet.prune(clock.instant());
            return new TollgateClient(this, wallet);
        }
    }
}
