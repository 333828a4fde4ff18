package dev.tollgate.site;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The site's 404, in place of the container's own page ({@code web.xml} names it the error page of 404): the site's
 * frame for a browser, a JSON error for any other client.
 */
public final class NotFoundServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final byte[] JSON = "{\"error\":\"not_found\",\"message\":\"nothing is published at this address\"}"
            .getBytes(StandardCharsets.UTF_8);

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
        String accept = request.getHeader("Accept");
        if (accept != null && accept.contains("text/html")) {
            Html.page(response, HttpServletResponse.SC_NOT_FOUND, Gateway.of(getServletContext()).config()
                    .sellerName(), "Not found", "<h1>Nothing here</h1>\n<p>There is no page at this address: it may "
                    + "have moved, or the link may be mistyped.</p>\n<p><a href=\"/\">See everything on sale</a></p>");
            return;
        }
        response.setStatus(HttpServletResponse.SC_NOT_FOUND);
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setContentType("application/json");
        response.setContentLength(JSON.length);
        if (!"HEAD".equals(request.getMethod())) {
            response.getOutputStream().write(JSON);
        }
    }
}
