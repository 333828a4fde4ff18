package dev.tollgate.gateway.cluster;

/**
 * Redis could not be asked, or did not answer in time, or answered in a way that does not let the node use what it
 * asked for: the caller fails closed (the gateway answers 503). Whatever the operation was, the node's slices stay
 * within what Redis counts for it.
 */
public final class LeaseUnavailableException extends Exception {

    private static final long serialVersionUID = 1L;

    public LeaseUnavailableException(String message) {
        super(message);
    }

    public LeaseUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
