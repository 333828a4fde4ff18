package dev.tollgate.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.http.RequestPaths;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.function.Supplier;

/**
 * The optional health endpoint for containers without Spring's Actuator ({@link TollgateFilter#HEALTH_PATH_INIT_PARAM}):
 * answers {@code GET} and {@code HEAD} on its path with {@code 200} when the gateway can take payments
 * ({@link Health#ready()}), {@code 503} when it cannot, and the overall status and the checks as JSON: a load balancer
 * reads the code, an alert the {@code status} (DOWN when any check is). The body holds what {@link Health} holds: no secret, buyer or payment.
 */
final class HealthEndpoint {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String path;

    /** @param path within the filter's context, starting with {@code /} */
    HealthEndpoint(String path) {
        this.path = path;
    }

    /**
     * The endpoint at {@code path} (the builder's), else at the init-param {@link TollgateFilter#HEALTH_PATH_INIT_PARAM};
     * {@code null} if neither names one.
     *
     * @throws ServletException naming filter {@code name} if the init-param is not a path
     */
    static HealthEndpoint of(String name, String path, FilterConfig filterConfig) throws ServletException {
        if (path == null && filterConfig != null) {
            path = filterConfig.getInitParameter(TollgateFilter.HEALTH_PATH_INIT_PARAM);
        }
        if (path != null && !path.startsWith("/")) {
            throw new ServletException("Filter '" + name + "': init-param '" + TollgateFilter.HEALTH_PATH_INIT_PARAM
                    + "' must be a path starting with /, like /tollgate/health");
        }
        return path == null ? null : new HealthEndpoint(path);
    }

    /** Answers {@code request} if it is for this endpoint; whether it did. */
    boolean answers(HttpServletRequest request, HttpServletResponse response, Supplier<Health> health)
            throws IOException {
        if (!path.equals(RequestPaths.pathOf(request))) {
            return false;
        }
        response.setHeader("Cache-Control", "no-store");
        String method = request.getMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            response.setHeader("Allow", "GET, HEAD");
            response.sendError(405);
            return true;
        }
        Health now = health.get();
        byte[] body = JSON.writeValueAsBytes(json(now));
        response.setStatus(now.ready() ? 200 : 503);
        response.setContentType("application/json");
        response.setContentLength(body.length);
        if (method.equals("GET")) {
            response.getOutputStream().write(body);
        }
        return true;
    }

    static ObjectNode json(Health health) {
        ObjectNode root = JSON.createObjectNode();
        root.put("status", health.status().name());
        root.put("ready", health.ready());
        ObjectNode checks = root.putObject("checks");
        health.checks().forEach((name, check) -> checks.putObject(name).put("status", check.status().name())
                .put("detail", check.detail()));
        return root;
    }
}
