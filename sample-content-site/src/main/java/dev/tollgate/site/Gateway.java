package dev.tollgate.site;

import dev.tollgate.gateway.TollgateFilter;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;

/** Finds the filter the container started from web.xml: it publishes itself as a context attribute. */
final class Gateway {

    private Gateway() {
    }

    static TollgateFilter of(ServletContext context) throws ServletException {
        if (context.getAttribute(TollgateFilter.CONTEXT_ATTRIBUTE) instanceof TollgateFilter filter) {
            return filter;
        }
        // Fail closed: a page that cannot see the gateway must not pretend to know prices.
        throw new ServletException("the Tollgate filter is not started in this web app");
    }
}
