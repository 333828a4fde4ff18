package dev.tollgate.gateway.http;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;

/** Reads the request's cookies the gateway sets: the scrip, the purchase state, the allowance. */
public final class Cookies {

    private Cookies() {
    }

    /** The value of the cookie {@code name}, the first if the request carries several; {@code null} if none. */
    public static String value(HttpServletRequest request, String name) {
        Cookie[] cookies = request.getCookies();
        if (cookies == null) {
            return null;
        }
        for (Cookie cookie : cookies) {
            if (name.equals(cookie.getName())) {
                return cookie.getValue();
            }
        }
        return null;
    }
}
