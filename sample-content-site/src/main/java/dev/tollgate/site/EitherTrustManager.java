package dev.tollgate.site;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.X509TrustManager;

/** Trusts a server chain that either of two trust managers trusts: the JDK's authorities, or the demo's own. */
final class EitherTrustManager implements X509TrustManager {

    private final X509TrustManager primary;
    private final X509TrustManager secondary;

    EitherTrustManager(X509TrustManager primary, X509TrustManager secondary) {
        this.primary = primary;
        this.secondary = secondary;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        primary.checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        try {
            primary.checkServerTrusted(chain, authType);
        } catch (CertificateException e) {
            try {
                secondary.checkServerTrusted(chain, authType);
            } catch (CertificateException other) {
                e.addSuppressed(other);
                throw e;
            }
        }
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        X509Certificate[] a = primary.getAcceptedIssuers();
        X509Certificate[] b = secondary.getAcceptedIssuers();
        X509Certificate[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
