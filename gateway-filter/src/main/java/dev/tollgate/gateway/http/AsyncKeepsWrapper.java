package dev.tollgate.gateway.http;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.IOException;

/**
 * The request passed on with a response wrapper the app must write through (a metered body; any answer served under a
 * price, paid or not, whose {@link PaidResponse} keeps it private): {@code startAsync()} without arguments starts async
 * processing with this request and that wrapper, where the container would hand the app its own response, and
 * {@code AsyncContext.getResponse()} would write around the wrapper (unmetered, or cacheable by a shared cache).
 */
public final class AsyncKeepsWrapper extends HttpServletRequestWrapper {

    private final ServletResponse response;

    public AsyncKeepsWrapper(HttpServletRequest request, ServletResponse response) {
        super(request);
        this.response = response;
    }

    /** Runs {@code chain} with {@code response} as what the app writes to, after {@code startAsync()} too. */
    public static void forward(FilterChain chain, HttpServletRequest request, ServletResponse response)
            throws IOException, ServletException {
        chain.doFilter(new AsyncKeepsWrapper(request, response), response);
    }

    @Override
    public AsyncContext startAsync() {
        return super.startAsync(this, response);
    }
}
