package dev.tollgate.gateway.config;

import dev.tollgate.gateway.PriceFunction;
import java.lang.reflect.InvocationTargetException;

/**
 * Loads a rule's {@code price-function}: a class of the web app (through the thread's context class loader, the web
 * app's while the filter starts and on the watcher thread it starts), public, with a public no-argument constructor,
 * implementing {@link PriceFunction}. One instance per config load. Refusals name what to fix.
 */
final class PriceFunctions {

    private PriceFunctions() {
    }

    static PriceFunction load(String className) {
        String name = className.trim();
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = PriceFunctions.class.getClassLoader();
        }
        Class<?> type;
        try {
            type = Class.forName(name, true, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalArgumentException("class '" + name + "' is not on the web app's class path ("
                    + e.getClass().getSimpleName() + ")");
        }
        if (!PriceFunction.class.isAssignableFrom(type)) {
            throw new IllegalArgumentException("class '" + name + "' does not implement "
                    + PriceFunction.class.getName());
        }
        try {
            return (PriceFunction) type.getConstructor().newInstance();
        } catch (NoSuchMethodException | IllegalAccessException | InstantiationException e) {
            throw new IllegalArgumentException("class '" + name + "' needs to be public, with a public constructor "
                    + "without arguments");
        } catch (InvocationTargetException e) {
            throw new IllegalArgumentException("class '" + name + "' could not be made: its constructor threw "
                    + e.getCause());
        }
    }
}
