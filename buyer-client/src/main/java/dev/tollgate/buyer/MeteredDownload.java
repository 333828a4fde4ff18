package dev.tollgate.buyer;

import dev.tollgate.protocol.SettlementResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Downloads a file paying as it goes (docs/PROTOCOL.md section 9, "Metered"): each request may be charged at most
 * a chunk of units (the client's metered units per request, within the limits); the gateway cuts the answer where
 * that payment ends, and the next request resumes with {@code Range: bytes=<offset>-}. Once the length is known the
 * last request pays exactly the units left. Content that is not metered is simply paid and written. One instance
 * per download.
 */
final class MeteredDownload {

    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+)");
    private static final int BLOCK = 64 * 1024;

    private final TollgateClient client;
    private final URI uri;
    private final Path file;
    private final Download.Progress progress;
    private final long chunkUnits;
    private final List<Receipt> receipts = new ArrayList<>();
    private long paid;
    private long total = -1;

    MeteredDownload(TollgateClient client, URI uri, Path file, Download.Progress progress, long chunkUnits) {
        this.client = client;
        this.uri = uri;
        this.file = file;
        this.progress = progress;
        this.chunkUnits = chunkUnits;
    }

    Download run() throws IOException, InterruptedException, PaymentException {
        long offset = 0;
        long unitBytes = 0;
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (total < 0 || offset < total) {
                long units = chunkUnits;
                if (total >= 0 && unitBytes > 0) {
                    units = Math.min(units, (total - offset + unitBytes - 1) / unitBytes);
                }
                HttpRequest.Builder request = HttpRequest.newBuilder(uri);
                if (offset > 0) {
                    request.header("Range", "bytes=" + offset + "-");
                }
                PaidResponse<InputStream> answer = client.send(request.build(),
                        HttpResponse.BodyHandlers.ofInputStream(), units);
                HttpResponse<InputStream> response = answer.response();
                answer.receipt().ifPresent(r -> {
                    receipts.add(r);
                    paid += r.amountMicros();
                });
                int status = response.statusCode();
                if (status != 200 && status != 206) {
                    response.body().close();
                    throw new IOException(uri + " answered " + status + " at byte " + offset);
                }
                SettlementResponse settlement = Answers.receipt(response);
                if (settlement != null && settlement.extra() != null
                        && settlement.extra().get("unit") instanceof Number unit) {
                    unitBytes = unit.longValue();
                }
                long start = offset;
                if (status == 206) {
                    Matcher m = CONTENT_RANGE.matcher(response.headers().firstValue("Content-Range").orElse(""));
                    if (!m.matches() || Long.parseLong(m.group(1)) != offset) {
                        response.body().close();
                        throw new IOException(uri + " answered a range that does not start at byte " + offset);
                    }
                    total = Long.parseLong(m.group(3));
                } else if (offset > 0) {
                    start = 0; // the server ignored the Range: the whole body again, from its start
                    out.truncate(0);
                }
                offset = copy(response.body(), out, start);
                checkCharged(settlement, offset - start);
                if (status == 200) {
                    total = offset;
                } else if (offset == start) {
                    throw new IOException(uri + " answered an empty range at byte " + offset);
                }
            }
        }
        return new Download(offset, paid, receipts);
    }

    /**
     * A metered answer of known length is charged {@code ceil(limit / unit)} units and carries {@code limit} bytes
     * (PROTOCOL.md section 9): a receipt for more units than the bytes that arrived is a seller charging for what it
     * did not send, and the download stops rather than pay for the next chunk the same way.
     */
    private void checkCharged(SettlementResponse settlement, long delivered) throws OverchargedException {
        if (settlement == null || settlement.extra() == null || settlement.extra().get("length") == null
                || !(settlement.extra().get("units") instanceof Number units)
                || !(settlement.extra().get("unit") instanceof Number unit) || unit.longValue() <= 0) {
            return;
        }
        long sent = delivered / unit.longValue() + (delivered % unit.longValue() == 0 ? 0 : 1);
        if (units.longValue() > sent) {
            throw new OverchargedException(uri + " charged " + units + " units of " + unit + " bytes but sent "
                    + delivered + " bytes; the download stops here", paid);
        }
    }

    private long copy(InputStream body, FileChannel out, long position) throws IOException {
        try (InputStream in = body) {
            byte[] block = new byte[BLOCK];
            for (int n; (n = in.read(block)) > 0; ) {
                ByteBuffer buffer = ByteBuffer.wrap(block, 0, n);
                while (buffer.hasRemaining()) {
                    position += out.write(buffer, position);
                }
                progress.update(position, total, paid);
            }
        }
        return position;
    }
}
