package dev.tollgate.broker;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;

/**
 * Buyer Ed25519 public keys (RFC 8032) as PayWord certificates carry them: 32 raw bytes. {@link #isValid} accepts
 * only the canonical encoding of a curve point that is not of small order, so the broker never certifies a key that
 * could not sign or whose signatures could be forged without the private key. Pure functions; thread-safe.
 */
final class Ed25519Keys {

    static final int KEY_BYTES = 32;

    private static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));
    private static final BigInteger D = BigInteger.valueOf(-121665).multiply(BigInteger.valueOf(121666).modInverse(P))
            .mod(P);
    private static final BigInteger SQRT_M1 = BigInteger.TWO.modPow(P.subtract(BigInteger.ONE).shiftRight(2), P);
    /** The DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw key follows. */
    private static final byte[] SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    private Ed25519Keys() {
    }

    /** Whether {@code raw} is the canonical encoding of an Ed25519 point whose order is not small. */
    static boolean isValid(byte[] raw) {
        if (raw == null || raw.length != KEY_BYTES) {
            return false;
        }
        byte[] be = new byte[KEY_BYTES];
        for (int i = 0; i < KEY_BYTES; i++) {
            be[i] = raw[KEY_BYTES - 1 - i];
        }
        int sign = (be[0] >> 7) & 1;
        be[0] &= 0x7f;
        BigInteger y = new BigInteger(1, be);
        if (y.compareTo(P) >= 0) {
            return false;
        }
        BigInteger y2 = y.multiply(y).mod(P);
        BigInteger u = y2.subtract(BigInteger.ONE).mod(P);
        BigInteger v = D.multiply(y2).add(BigInteger.ONE).mod(P);
        BigInteger x2 = u.multiply(v.modInverse(P)).mod(P);
        BigInteger x = x2.modPow(P.add(BigInteger.valueOf(3)).shiftRight(3), P);
        if (!x.multiply(x).mod(P).equals(x2)) {
            x = x.multiply(SQRT_M1).mod(P);
            if (!x.multiply(x).mod(P).equals(x2)) {
                return false; // not on the curve
            }
        }
        if (x.signum() == 0 && sign == 1) {
            return false; // non-canonical encoding of x = 0
        }
        if (x.testBit(0) != (sign == 1)) {
            x = P.subtract(x);
        }
        // Small order: 8 · point is the identity (0, 1).
        BigInteger[] point = {x, y};
        for (int i = 0; i < 3; i++) {
            point = add(point, point);
        }
        return !(point[0].signum() == 0 && point[1].equals(BigInteger.ONE));
    }

    /** The JDK public key of a raw key that {@link #isValid}. */
    static PublicKey publicKey(byte[] raw) {
        byte[] spki = new byte[SPKI_PREFIX.length + KEY_BYTES];
        System.arraycopy(SPKI_PREFIX, 0, spki, 0, SPKI_PREFIX.length);
        System.arraycopy(raw, 0, spki, SPKI_PREFIX.length, KEY_BYTES);
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not an Ed25519 public key", e);
        }
    }

    /** The complete twisted Edwards addition law for a = −1. */
    private static BigInteger[] add(BigInteger[] p1, BigInteger[] p2) {
        BigInteger x1 = p1[0];
        BigInteger y1 = p1[1];
        BigInteger x2 = p2[0];
        BigInteger y2 = p2[1];
        BigInteger dxy = D.multiply(x1).multiply(x2).multiply(y1).multiply(y2).mod(P);
        BigInteger x3 = x1.multiply(y2).add(y1.multiply(x2))
                .multiply(BigInteger.ONE.add(dxy).modInverse(P)).mod(P);
        BigInteger y3 = y1.multiply(y2).add(x1.multiply(x2))
                .multiply(BigInteger.ONE.subtract(dxy).mod(P).modInverse(P)).mod(P);
        return new BigInteger[] {x3, y3};
    }
}
