package dev.tollgate.gateway.http;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import java.io.IOException;

/**
 * An output stream a response wrapper keeps from the client (it holds or drops what the app writes): always ready, so
 * an app writing asynchronously is told at once that it may write.
 */
public abstract class HeldOutputStream extends ServletOutputStream {

    @Override
    public final boolean isReady() {
        return true;
    }

    @Override
    public final void setWriteListener(WriteListener listener) {
        try {
            listener.onWritePossible();
        } catch (IOException e) {
            listener.onError(e);
        }
    }
}
