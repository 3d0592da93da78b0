package io.deisa.wire;

/**
 * The peer answered a connection's HELLO with an ERROR frame: it refuses what this side asked for
 * (for example a data endpoint that cannot replay the requested chunks). Asking again gets the same
 * answer, so callers treat it as final.
 */
public class PeerRefusedException extends ProtocolException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception whose message names the peer and its reason. */
    public PeerRefusedException(String message) {
        super(message);
    }
}
