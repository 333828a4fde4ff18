package dev.tollgate.gateway.http;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Locale;

/** How the gateway reads a request's path and method, the same way in every stage. */
public final class RequestPaths {

    private RequestPaths() {
    }

    /**
     * The path rules are matched against: the container's decoded, normalised path within the context, with runs of
     * slashes collapsed (some frameworks route {@code //premium} like {@code /premium}).
     */
    public static String pathOf(HttpServletRequest request) {
        String servletPath = request.getServletPath();
        String pathInfo = request.getPathInfo();
        String path = pathInfo == null ? (servletPath.isEmpty() ? "/" : servletPath) : servletPath + pathInfo;
        return path.indexOf("//") < 0 ? path : path.replaceAll("/{2,}", "/");
    }

    /** Methods are case-sensitive in HTTP, but some frameworks route {@code get} like {@code GET}. */
    public static String upperCase(String method) {
        for (int i = 0; i < method.length(); i++) {
            char c = method.charAt(i);
            if (c >= 'a' && c <= 'z') {
                return method.toUpperCase(Locale.ROOT);
            }
        }
        return method;
    }
}
