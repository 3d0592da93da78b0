package io.deisa.bridge.comm;

import java.net.ProtocolException;

/** Types of the frames exchanged by {@link TcpCommunicator}; the code is the type byte on the wire. */
enum FrameType {
    /** Peer to rank 0: the peer's {@link Handshake}. */
    HELLO(1),
    /** Rank 0 to peers: every rank has joined; payload is rank 0's {@link Handshake}. */
    WELCOME(2),
    /** Rank 0 to peers: the rendezvous timed out; payload is a UTF-8 reason. */
    TIMEOUT(3),
    /** Either direction: the sender gives up on the communicator; payload is a UTF-8 reason. */
    ABORT(4),
    /** Peer to rank 0: the peer entered the barrier. */
    BARRIER(5),
    /** Rank 0 to peers: every rank entered the barrier. */
    RELEASE(6),
    /** Root to rank 0, then rank 0 to the other peers: the broadcast bytes. */
    BROADCAST(7),
    /**
     * Peer to rank 0: the peer entered {@link TcpCommunicator#checkSameCall}; payload is its call in
     * UTF-8. Rank 0 answers {@link #RELEASE} when every call equals its own, else {@link #MISMATCH}.
     */
    CHECK(8),
    /** Rank 0 to peers: the calls of a check differ; payload is the UTF-8 message naming them. */
    MISMATCH(9);

    private static final FrameType[] BY_CODE = new FrameType[values().length + 1];

    static {
        for (FrameType type : values()) {
            BY_CODE[type.code] = type;
        }
    }

    private final byte code;

    FrameType(int code) {
        this.code = (byte) code;
    }

    /** The type byte on the wire. */
    byte code() {
        return code;
    }

    /**
     * The type of a type byte.
     *
     * @throws ProtocolException when the byte is no known type
     */
    static FrameType of(byte code) throws ProtocolException {
        if (code <= 0 || code >= BY_CODE.length) {
            throw new ProtocolException(String.format("unknown frame type 0x%02x", code & 0xff));
        }
        return BY_CODE[code];
    }
}
