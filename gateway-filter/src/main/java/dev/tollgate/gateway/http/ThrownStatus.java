package dev.tollgate.gateway.http;

import dev.tollgate.gateway.settlement.RefundLimit;
import java.lang.reflect.Method;
import java.util.function.ToIntFunction;

/**
 * The status a servlet container answers for an exception that left the seller's app: 500, unless the container
 * itself threw it for a request it could not read, which it answers with the status the exception names. A buyer can
 * choose those at will: a query string with a bad percent escape makes Jetty's {@code getParameter} throw its
 * {@code BadMessageException} (400), Tomcat throws {@code InvalidParameterException} (400) or, for a body it cannot
 * read, {@code BadRequestException}. {@link RefundLimit} counts the refunds of such requests as the buyer's doing.
 *
 * <p>The filter runs in any container and depends on none, so the container's types are recognised by name, and the
 * status read through their public accessor. Only on the failure path; the lookup per exception class is cached.
 */
public final class ThrownStatus {

    static final int SERVER_ERROR = 500;
    private static final int MAX_CAUSES = 8;
    private static final ToIntFunction<Throwable> NONE = t -> 0;

    private static final ClassValue<ToIntFunction<Throwable>> STATUS = new ClassValue<>() {
        @Override
        protected ToIntFunction<Throwable> computeValue(Class<?> type) {
            return statusReader(type);
        }
    };

    private ThrownStatus() {
    }

    /** The status the container answers for {@code thrown}, or for the first of its causes that names one. */
    static int of(Throwable thrown) {
        try {
            Throwable t = thrown;
            for (int i = 0; t != null && i < MAX_CAUSES; i++, t = t.getCause()) {
                int status = STATUS.get(t.getClass()).applyAsInt(t);
                if (status >= 400 && status <= 599) {
                    return status;
                }
            }
        } catch (RuntimeException e) {
            // An app's exception whose getCause() throws: asked on the refund path, which must go on.
        }
        return SERVER_ERROR;
    }

    /** Whether the buyer could have chosen {@code thrown}: the container answers it with a 4xx. */
    static boolean buyersDoing(Throwable thrown) {
        return of(thrown) < SERVER_ERROR;
    }

    private static ToIntFunction<Throwable> statusReader(Class<?> type) {
        if (implementsNamed(type, "org.eclipse.jetty.http.HttpException")) {
            return accessor(type, "getCode");
        }
        if (extendsNamed(type, "org.apache.tomcat.util.http.InvalidParameterException")) {
            return accessor(type, "getErrorCode");
        }
        if (extendsNamed(type, "org.apache.coyote.BadRequestException")) {
            return t -> 400;
        }
        return NONE;
    }

    private static ToIntFunction<Throwable> accessor(Class<?> type, String name) {
        try {
            Method method = type.getMethod(name);
            if (method.getReturnType() != int.class) {
                return NONE;
            }
            method.trySetAccessible(); // public already; this only helps if a container's module does not open it
            return t -> {
                try {
                    return (int) method.invoke(t);
                } catch (ReflectiveOperationException | RuntimeException e) {
                    return 0;
                }
            };
        } catch (NoSuchMethodException | RuntimeException e) {
            return NONE;
        }
    }

    private static boolean extendsNamed(Class<?> type, String name) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            if (c.getName().equals(name)) {
                return true;
            }
        }
        return false;
    }

    private static boolean implementsNamed(Class<?> type, String name) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            for (Class<?> i : c.getInterfaces()) {
                if (i.getName().equals(name) || implementsNamed(i, name)) {
                    return true;
                }
            }
        }
        return false;
    }
}
