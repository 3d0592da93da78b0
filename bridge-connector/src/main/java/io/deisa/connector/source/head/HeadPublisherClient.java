package io.deisa.connector.source.head;

import io.deisa.wire.FeedbackTable;
import io.deisa.wire.Frame;
import io.deisa.wire.FrameIO;
import io.deisa.wire.Protocol;
import io.deisa.wire.SelfConnection;
import io.deisa.wire.message.FeedbackValue;
import io.deisa.wire.message.JobFailure;
import io.deisa.wire.message.Progress;
import io.deisa.wire.message.RunEnded;
import io.deisa.wire.message.RunStats;

import org.apache.flink.annotation.Internal;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The job's side of the publish channel: sends feedback values, analytics progress and the job's
 * failure to the head, which relays them to the bridges, and receives the head's run statistics
 * (newest bridge timestep, time bridges were blocked, registrations refused) for the job's metrics
 * and its confirmation that the run ended. Sending is not thread-safe (one
 * operator thread uses it).
 */
@Internal
public final class HeadPublisherClient implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private long sentProgress = Long.MIN_VALUE;
    /** The head's latest RUN_STATS, replaced as a whole so that readers see one consistent frame. */
    private volatile RunStats headStats = RunStats.NONE;
    private final CountDownLatch runEnded = new CountDownLatch(1);
    private final String head;

    private HeadPublisherClient(Socket socket, String head) throws IOException {
        this.socket = socket;
        this.head = head;
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
                SelfConnection.check(socket, "the analytics head");
                socket.setTcpNoDelay(true);
                HeadPublisherClient client = new HeadPublisherClient(socket, host + ":" + port);
                FrameIO.sendHello(client.out, Protocol.CHANNEL_PUBLISH);
                InputStream in = new BufferedInputStream(socket.getInputStream());
                FrameIO.expectHello(in, Protocol.CHANNEL_PUBLISH, "analytics head at " + host + ":" + port);
                client.startListening(in);
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

    /** Reads the head's RUN_STATS frames on a daemon thread until the connection ends. */
    private void startListening(InputStream in) {
        Thread listener = new Thread(() -> {
            try {
                while (true) {
                    Frame frame = FrameIO.read(in, Protocol.MAX_CONTROL_FRAME);
                    if (frame.type() == Protocol.RUN_STATS) {
                        headStats = RunStats.decode(frame);
                    } else if (frame.type() == Protocol.RUN_ENDED) {
                        RunEnded.decode(frame);
                        runEnded.countDown();
                    }
                }
            } catch (IOException endOfConnection) {
                // the job or the head is shutting down
            }
        }, "deisa-publisher-stats");
        listener.setDaemon(true);
        listener.start();
    }

    /** The run as the head last described it, with {@code analyticsTimestep} from the job. */
    public RunProgress runProgress(long analyticsTimestep) {
        RunStats stats = headStats;
        return new RunProgress(analyticsTimestep, stats.newestTimestep(), stats.blockedMillis(),
                stats.registrationsRefused(), stats.retainedBytes(), stats.oldestRetainedMillis(),
                stats.retentionBlockedMillis());
    }

    /**
     * Tells the head why the job fails, so that the bridges receive the cause at once. Best effort:
     * the head may already be gone.
     */
    public void reportFailure(String reason) {
        try {
            FrameIO.write(out, new JobFailure(reason));
        } catch (IOException e) {
            // The job fails anyway; the head learns of it when the job stops.
        }
    }

    /**
     * After the last PROGRESS ({@link Long#MAX_VALUE}): waits until the head confirmed that it
     * stopped listening, so that the job ends only once the head's address is free.
     *
     * @throws IOException naming the head and the timeout when no confirmation comes in time
     */
    public void awaitRunEnded(Duration timeout) throws IOException, InterruptedException {
        if (!runEnded.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IOException("The analytics head at " + head + " did not confirm the end of the run within "
                    + timeout + " (deisa.source.connect-timeout)");
        }
    }

    /** Sends one feedback value. */
    public void publish(FeedbackTable.Entry entry) throws IOException {
        FrameIO.write(out, new FeedbackValue(entry));
    }

    /** Sends the analytics progress when it advanced. */
    public void progress(long completedTimestep) throws IOException {
        if (completedTimestep > sentProgress) {
            sentProgress = completedTimestep;
            FrameIO.write(out, new Progress(completedTimestep));
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
