package dev.tollgate.buyer.cli;

import dev.tollgate.buyer.BrokerException;
import dev.tollgate.buyer.Download;
import dev.tollgate.buyer.LimitExceededException;
import dev.tollgate.buyer.OverchargedException;
import dev.tollgate.buyer.PaymentOutcomeUnknownException;
import dev.tollgate.buyer.PaymentRefusedException;
import dev.tollgate.buyer.SpendingLimits;
import dev.tollgate.buyer.TollgateClient;
import dev.tollgate.buyer.WalletException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tollgate-pay}: the command line of the buyer client. {@code get} fetches a URL and pays for it within the
 * limits given, {@code wallet} shows the account and what the wallet holds, {@code report} what was paid. Exit codes
 * are documented in buyer-client/README.md and in {@code --help}.
 */
@Command(name = "tollgate-pay", mixinStandardHelpOptions = true, version = "tollgate-pay 0.1",
        description = "Pays Tollgate 402s with scrip or PayWord from your broker account, within your limits.",
        subcommands = {TollgatePay.Get.class, TollgatePay.WalletCommand.class, TollgatePay.Report.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:paid (or free): the content was fetched", "2:usage error",
            "3:refused by a limit: nothing was paid", "4:payment refused by the seller or the broker",
            "5:network: the seller or the broker could not be reached", "6:outcome unknown: a paid answer was lost",
            "7:the wallet file cannot be used (corrupt, foreign, readable by others)", "1:any other failure"})
public final class TollgatePay implements Callable<Integer> {

    public static final int PAID = 0;
    public static final int LIMIT = 3;
    public static final int REFUSED = 4;
    public static final int NETWORK = 5;
    public static final int UNKNOWN_OUTCOME = 6;
    public static final int WALLET = 7;

    @Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true, StandardCharsets.UTF_8),
                new PrintWriter(System.err, true, StandardCharsets.UTF_8)));
    }

    /** Runs the command line with these streams and returns its exit code (for tests and embedding). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new TollgatePay()).setOut(out).setErr(err)
                .setExecutionExceptionHandler((e, line, parsed) -> {
                    line.getErr().println("tollgate-pay: " + e.getMessage());
                    return exitCode(e);
                });
        int code = cli.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    static int exitCode(Exception e) {
        if (e instanceof LimitExceededException) {
            return LIMIT;
        }
        if (e instanceof PaymentRefusedException || e instanceof BrokerException
                || e instanceof OverchargedException) {
            return REFUSED;
        }
        if (e instanceof PaymentOutcomeUnknownException) {
            return UNKNOWN_OUTCOME;
        }
        if (e instanceof WalletException) {
            return WALLET;
        }
        return e instanceof IOException ? NETWORK : 1;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 2;
    }

    /** The options every command shares: the broker, the API key and the wallet. */
    static final class Account {

        @Option(names = "--broker", required = true, description = "The broker's base URL.")
        URI broker;

        @Option(names = "--api-key-file", required = true, description = "A file holding your API key.")
        Path apiKeyFile;

        @Option(names = "--wallet", description = "The wallet file (default: ~/.tollgate/wallet.json).")
        Path wallet = Path.of(System.getProperty("user.home"), ".tollgate", "wallet.json");

        @Option(names = "--currency", description = "The currency of your account (default: USD).")
        String currency = "USD";

        TollgateClient client(SpendingLimits limits, boolean payWord) throws IOException {
            return TollgateClient.builder().broker(broker).apiKey(Files.readString(apiKeyFile).strip())
                    .limits(limits).wallet(wallet).preferPayWord(payWord).build();
        }
    }

    @Command(name = "get", description = "Fetches URL, paying for it within the limits.")
    static final class Get implements Callable<Integer> {

        @Mixin
        Account account;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", description = "The URL.")
        URI url;

        @Option(names = {"-o", "--output"}, description = "Write the content to FILE (default: standard output).")
        Path output;

        @Option(names = "--max-price", description = "The most one request may cost, such as 0.10.")
        String maxPrice;

        @Option(names = "--max-total", description = "The most this command may spend, such as 5.00.")
        String maxTotal;

        @Option(names = "--payword", description = "Pay with PayWord where the seller offers it.")
        boolean payWord;

        @Override
        public Integer call() throws Exception {
            SpendingLimits.Builder limits = SpendingLimits.builder(account.currency);
            if (maxPrice != null) {
                limits.maxPerRequest(maxPrice);
            }
            if (maxTotal != null) {
                limits.maxTotal(maxTotal);
            }
            TollgateClient client = account.client(limits.build(), payWord);
            PrintWriter err = spec.commandLine().getErr();
            Path target = output != null ? output : Files.createTempFile("tollgate-pay", ".body");
            ProgressBar bar = new ProgressBar(err, account.currency);
            Download download = client.download(url, target, bar);
            bar.done(download);
            if (output == null) {
                try {
                    Files.copy(target, System.out);
                    System.out.flush();
                } finally {
                    Files.deleteIfExists(target);
                }
            }
            return PAID;
        }
    }

    @Command(name = "wallet", description = "Shows your account at the broker and what the wallet holds.")
    static final class WalletCommand implements Callable<Integer> {

        @Mixin
        Account account;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            TollgateClient client = account.client(SpendingLimits.builder(account.currency).build(), false);
            PrintWriter out = spec.commandLine().getOut();
            out.println("ACCOUNT AT " + account.broker);
            out.println(client.brokerAccount());
            out.println();
            out.print(client.walletSummary().toTable());
            return PAID;
        }
    }

    @Command(name = "report", description = "Shows what was paid to whom for what, from the receipts.")
    static final class Report implements Callable<Integer> {

        @Mixin
        Account account;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--json", description = "Print JSON instead of a table.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            TollgateClient client = account.client(SpendingLimits.builder(account.currency).build(), false);
            spec.commandLine().getOut().print(json ? client.report().toJson() : client.report().toTable());
            return PAID;
        }
    }
}
