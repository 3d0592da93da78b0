package io.deisa.wire;

import java.io.IOException;

/**
 * A peer sent bytes that do not follow the deisa wire protocol (see {@code docs/PROTOCOL.md}):
 * wrong magic or version, an unknown frame type, a truncated frame, a length out of bounds.
 *
 * <p>The connection that produced it must be closed; other connections are unaffected.
 */
public class ProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with a message naming what was wrong. */
    public ProtocolException(String message) {
        super(message);
    }
}
