package dev.tollgate.gateway;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.runtime.ObjectMethods;

/**
 * Makes the JDK forget the last record class whose {@code equals}, {@code hashCode} or {@code toString} it built. The
 * JDK builds these methods on a record's first call from a few method handles held in static fields of
 * {@link ObjectMethods}, and on JDK 17 each of those handles keeps its last adaptation, typed with the record class,
 * in a strong one-entry cache: the last of the gateway's records built that way (its config's, say, compared on a
 * reload) kept the undeployed app's class loader, seen in a heap dump after Tomcat reloads. Building the three
 * methods once more for {@code String}, a JDK class, replaces those entries. (Later JDKs keep an adaptation to a type
 * of another class loader only softly; there this changes nothing that matters.)
 */
final class RecordMethodCaches {

    private RecordMethodCaches() {
    }

    /** Replaces the JDK's cached record adaptations with ones of {@code String}; call once the gateway stopped. */
    static void forgetAppClasses() {
        try {
            MethodHandle strip = MethodHandles.publicLookup()
                    .findVirtual(String.class, "strip", MethodType.methodType(String.class));
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            ObjectMethods.bootstrap(lookup, "equals", MethodType.methodType(boolean.class, String.class, Object.class),
                    String.class, "s", strip);
            ObjectMethods.bootstrap(lookup, "hashCode", MethodType.methodType(int.class, String.class), String.class,
                    "s", strip);
            ObjectMethods.bootstrap(lookup, "toString", MethodType.methodType(String.class, String.class),
                    String.class, "s", strip);
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            // A JDK that refuses these calls changed ObjectMethods, and is not the JDK 17 this is for: nothing to do.
        }
    }
}
