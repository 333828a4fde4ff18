package dev.tollgate.buyer;

/**
 * Striped monitors for the work done once per seller and origin (buying scrip, committing a PayWord chain): a fixed
 * number of them, so that the sites a client visits cost no memory; two payees that share a stripe wait for each
 * other's purchase, nothing worse. Stateless.
 */
final class Locks {

    private static final int STRIPES = 64;

    private Locks() {
    }

    static Object[] stripes() {
        Object[] locks = new Object[STRIPES];
        for (int i = 0; i < STRIPES; i++) {
            locks[i] = new Object();
        }
        return locks;
    }

    static Object of(Object[] stripes, String seller, String origin) {
        return stripes[Math.floorMod(31 * seller.hashCode() + origin.hashCode(), stripes.length)];
    }
}
