package dev.tollgate.buyer;

import java.io.IOException;

/**
 * The wallet file cannot be used: it is corrupt, belongs to another account or broker, is readable by others, or
 * cannot be written. The client never starts over with an empty wallet in its place: that would throw away the
 * money the file holds.
 *
 * @since 0.1
 */
public final class WalletException extends IOException {

    private static final long serialVersionUID = 1L;

    WalletException(String message) {
        super(message);
    }

    WalletException(String message, Throwable cause) {
        super(message, cause);
    }
}
