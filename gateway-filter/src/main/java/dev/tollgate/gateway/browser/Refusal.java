package dev.tollgate.gateway.browser;

/**
 * Why a browser's purchase step (the broker's callback, a pass purchase, a confirmation) is refused: a code for
 * programs, a sentence for people.
 */
final class Refusal extends Exception {
    private static final long serialVersionUID = 1L;
    final int status;
    final String code;

    Refusal(int status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }
}
