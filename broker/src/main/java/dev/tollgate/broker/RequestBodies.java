package dev.tollgate.broker;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Reads request bodies up to a limit with memory that follows the bytes that arrived, never the limit or the declared
 * length: a client that declares a large body and sends a few bytes costs a few KiB, not the limit. (A body declared
 * larger than the limit is refused before anything is read, by the caller.)
 */
final class RequestBodies {

    /** The first buffer; it doubles as bytes arrive, up to the limit. */
    static final int FIRST_BUFFER_BYTES = 4096;

    private RequestBodies() {
    }

    /**
     * The whole body, at most {@code max} bytes.
     *
     * @param declared the declared length ({@code Content-Length}), or -1 if unknown
     * @throws ApiException 413 {@code body_too_large} as soon as more than {@code max} bytes arrived
     */
    static byte[] read(InputStream in, long declared, int max) throws ApiException, IOException {
        long first = declared >= 0 ? Math.min(declared + 1, FIRST_BUFFER_BYTES) : FIRST_BUFFER_BYTES;
        byte[] buffer = new byte[(int) Math.min(max + 1L, first)];
        int total = 0;
        while (true) {
            if (total == buffer.length) {
                if (total > max) {
                    throw tooLarge(max);
                }
                buffer = Arrays.copyOf(buffer, (int) Math.min(max + 1L, buffer.length * 2L));
            }
            int n = in.read(buffer, total, buffer.length - total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        if (total > max) {
            throw tooLarge(max);
        }
        return total == buffer.length ? buffer : Arrays.copyOf(buffer, total);
    }

    static ApiException tooLarge(int max) {
        return new ApiException(413, "body_too_large", "the body is larger than " + max + " bytes");
    }
}
