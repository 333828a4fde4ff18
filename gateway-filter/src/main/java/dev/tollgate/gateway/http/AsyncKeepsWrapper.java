package dev.tollgate.gateway.http;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

/**
 * The request passed on with a response wrapper the app must write through (a metered body): {@code startAsync()}
 * without arguments starts async processing with this request and that wrapper, where the container would hand the
 * app its own response, and {@code AsyncContext.getResponse()} would write around the wrapper, unmetered.
 */
public final class AsyncKeepsWrapper extends HttpServletRequestWrapper {

    private final ServletResponse response;

    public AsyncKeepsWrapper(HttpServletRequest request, ServletResponse response) {
        super(request);
        this.response = response;
    }

    @Override
    public AsyncContext startAsync() {
        return super.startAsync(this, response);
    }
}
