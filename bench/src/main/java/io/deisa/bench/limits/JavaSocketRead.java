package io.deisa.bench.limits;

import io.deisa.wire.FrameIO;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * Loopback TCP as this JVM sees it on the path the source reader takes: a thread writes 8 MiB
 * chunks from a direct buffer through a {@code SocketChannel} (as a bridge's sender does), and a
 * blocking {@code Socket} stream reads each into a new {@code byte[]} (as the reader does: the JDK
 * copies through a temporary direct buffer, and the JVM zeroes every new array). The ceiling of a
 * design that hands chunks on as heap arrays, next to {@link Iperf3}'s figure for the same loopback.
 */
public final class JavaSocketRead {
    private static final int CHUNK_BYTES = 8 << 20;
    private static final long WARMUP_NANOS = 500_000_000L;

    private JavaSocketRead() {}

    /** Bytes per second read over {@code seconds}, after half a second of warm-up. */
    public static double loopbackBytesPerSecond(double seconds) throws IOException, InterruptedException {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread sender = new Thread(() -> sendUntilClosed(server), "limits-socket-sender");
            sender.setDaemon(true);
            sender.start();
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.socket().getLocalPort())) {
                InputStream in = socket.getInputStream();
                readFor(in, WARMUP_NANOS);
                long start = System.nanoTime();
                long bytes = readFor(in, (long) (seconds * 1e9));
                return bytes / ((System.nanoTime() - start) / 1e9);
            } finally {
                sender.join();
            }
        }
    }

    private static long readFor(InputStream in, long nanos) throws IOException {
        long end = System.nanoTime() + nanos;
        long bytes = 0;
        while (System.nanoTime() < end) {
            byte[] chunk = new byte[CHUNK_BYTES];
            FrameIO.readFully(in, chunk, "chunk");
            bytes += chunk.length;
        }
        return bytes;
    }

    /** Writes chunks until the reader closes its end. */
    private static void sendUntilClosed(ServerSocketChannel server) {
        try (SocketChannel channel = server.accept()) {
            ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK_BYTES);
            while (true) {
                chunk.clear();
                while (chunk.hasRemaining()) {
                    channel.write(chunk);
                }
            }
        } catch (IOException closedByReader) {
            // the measurement is over
        }
    }
}
