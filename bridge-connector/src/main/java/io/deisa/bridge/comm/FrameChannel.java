package io.deisa.bridge.comm;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.SocketAddress;

/**
 * A TCP connection carrying {@link Frame}s. One thread sends and receives; {@link #close()} may be
 * called from any thread and unblocks a pending read or write.
 */
final class FrameChannel implements AutoCloseable {
    /** Largest payload of a frame: 1 GiB. */
    static final int MAX_PAYLOAD = 1 << 30;

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    private volatile boolean broken;

    /** Wraps a connected socket and enables {@code TCP_NODELAY}. */
    FrameChannel(Socket socket) throws IOException {
        this.socket = socket;
        socket.setTcpNoDelay(true);
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
    }

    /** Writes and flushes a frame. */
    void send(Frame frame) throws IOException {
        try {
            out.writeInt(frame.payload().length);
            out.writeByte(frame.type().code());
            out.writeLong(frame.seq());
            out.writeInt(frame.root());
            out.write(frame.payload());
            out.flush();
        } catch (IOException e) {
            broken = true;
            throw e;
        }
    }

    /**
     * Reads one frame.
     *
     * @param maxPayload the largest payload accepted, at most {@link #MAX_PAYLOAD}
     * @throws java.io.EOFException when the peer closed the connection
     * @throws ProtocolException when the length is out of bounds or the type unknown, before
     *     allocating the payload
     */
    Frame receive(int maxPayload) throws IOException {
        try {
            int length = in.readInt();
            if (length < 0 || length > maxPayload) {
                throw new ProtocolException("frame payload length " + length + " outside [0, " + maxPayload + "]");
            }
            FrameType type = FrameType.of(in.readByte());
            long seq = in.readLong();
            int root = in.readInt();
            byte[] payload = new byte[length];
            in.readFully(payload);
            return new Frame(type, seq, root, payload);
        } catch (IOException e) {
            broken = true;
            throw e;
        }
    }

    /** Bounds blocking reads to {@code millis} (at least 1), or removes the bound when {@code millis == 0}. */
    void readTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    /**
     * Skips the bytes already received and not read, so that closing the socket ends the
     * connection with a FIN rather than a reset, which could drop the last frame sent to the peer.
     * Called by the thread that reads.
     */
    void discardPendingInput() throws IOException {
        for (int available = in.available(); available > 0; available = in.available()) {
            in.skipNBytes(available);
        }
    }

    /** Whether a send or receive failed: the stream may hold a partial frame. */
    boolean broken() {
        return broken;
    }

    /** The address of the peer, for messages. */
    SocketAddress remoteAddress() {
        return socket.getRemoteSocketAddress();
    }

    /** Closes the socket; idempotent. */
    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Nothing left to release.
        }
    }
}
