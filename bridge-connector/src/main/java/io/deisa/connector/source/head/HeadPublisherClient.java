package io.deisa.connector.source.head;

import io.deisa.wire.FeedbackTable;
import io.deisa.wire.FrameIO;
import io.deisa.wire.PayloadWriter;
import io.deisa.wire.Protocol;

import org.apache.flink.annotation.Internal;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

/**
 * The job's side of the publish channel: sends feedback values and analytics progress to the
 * head, which relays them to the bridges. Not thread-safe (one operator thread uses it).
 */
@Internal
public final class HeadPublisherClient implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private long sentProgress = Long.MIN_VALUE;

    private HeadPublisherClient(Socket socket) throws IOException {
        this.socket = socket;
        this.out = new BufferedOutputStream(socket.getOutputStream());
    }

    /**
     * Connects to the head at {@code host:port}, retrying until {@code timeout}.
     *
     * @throws IOException naming the head when it stays unreachable or refuses the channel
     */
    public static HeadPublisherClient connect(String host, int port, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Socket socket = new Socket();
            try {
                socket.connect(new InetSocketAddress(host, port), (int) Math.max(1, Math.min(timeout.toMillis(), 5_000)));
                socket.setTcpNoDelay(true);
                HeadPublisherClient client = new HeadPublisherClient(socket);
                FrameIO.sendHello(client.out, Protocol.CHANNEL_PUBLISH);
                FrameIO.expectHello(socket.getInputStream(), Protocol.CHANNEL_PUBLISH, "analytics head at " + host + ":" + port);
                return client;
            } catch (IOException e) {
                socket.close();
                if (System.nanoTime() > deadline) {
                    throw new IOException("The feedback publisher cannot reach the analytics head at " + host + ":" + port
                            + " within " + timeout + ": " + e.getMessage(), e);
                }
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("Interrupted while connecting to the analytics head", e);
            }
        }
    }

    /** Sends one feedback value. */
    public void publish(FeedbackTable.Entry entry) throws IOException {
        FrameIO.write(out, Protocol.FEEDBACK,
                new PayloadWriter().putString(entry.key()).putLong(entry.timestep()).putBytes(entry.value()).toByteArray());
    }

    /** Sends the analytics progress when it advanced. */
    public void progress(long completedTimestep) throws IOException {
        if (completedTimestep > sentProgress) {
            sentProgress = completedTimestep;
            FrameIO.write(out, Protocol.PROGRESS, new PayloadWriter().putLong(completedTimestep).toByteArray());
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
