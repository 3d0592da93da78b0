package io.deisa.bridge.comm;

import java.net.ProtocolException;
import java.nio.ByteBuffer;

/**
 * Payload of the {@link FrameType#HELLO} and {@link FrameType#WELCOME} frames: {@code int magic |
 * int version | int rank | int worldSize}, big-endian.
 *
 * @param magic must be {@link #MAGIC}
 * @param version must be {@link #VERSION}
 * @param rank the sender's rank
 * @param worldSize the world size the sender expects
 */
record Handshake(int magic, int version, int rank, int worldSize) {
    /** {@code "DCOM"} in ASCII: identifies a deisa TCP communicator peer. */
    static final int MAGIC = 0x44434F4D;
    /** Version of the communicator protocol: 2 added {@link FrameType#CHECK} and {@link FrameType#MISMATCH}. */
    static final int VERSION = 2;
    /** Byte size of an encoded handshake. */
    static final int SIZE = 4 * Integer.BYTES;

    /** The handshake of this implementation for a rank. */
    static Handshake of(int rank, int worldSize) {
        return new Handshake(MAGIC, VERSION, rank, worldSize);
    }

    /** The encoded payload. */
    byte[] encode() {
        return ByteBuffer.allocate(SIZE).putInt(magic).putInt(version).putInt(rank).putInt(worldSize).array();
    }

    /**
     * Decodes a payload.
     *
     * @throws ProtocolException when the payload does not have the size of a handshake
     */
    static Handshake decode(byte[] payload) throws ProtocolException {
        if (payload.length != SIZE) {
            throw new ProtocolException("handshake of " + payload.length + " bytes, expected " + SIZE);
        }
        ByteBuffer buffer = ByteBuffer.wrap(payload);
        return new Handshake(buffer.getInt(), buffer.getInt(), buffer.getInt(), buffer.getInt());
    }

    /**
     * Why this handshake is not compatible with this implementation and world size, or {@code null}
     * when it is. Does not check the rank.
     */
    String incompatibility(int expectedWorldSize) {
        if (magic != MAGIC) {
            return String.format("wrong magic 0x%08x (expected 0x%08x): not a deisa TcpCommunicator peer",
                    magic, MAGIC);
        }
        if (version != VERSION) {
            return "communicator protocol version " + version + " (expected " + VERSION + ")";
        }
        if (worldSize != expectedWorldSize) {
            return "rank " + rank + " expects world size " + worldSize + " but the world size is "
                    + expectedWorldSize;
        }
        return null;
    }
}
