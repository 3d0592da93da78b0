package io.deisa.connector.source;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

import java.time.Duration;

/** Configuration options of the {@link BridgeSource}. */
@PublicEvolving
public final class BridgeSourceOptions {
    /** Address the head listens on. */
    public static final ConfigOption<String> HEAD = ConfigOptions.key("deisa.head")
            .stringType()
            .defaultValue("127.0.0.1:29600")
            .withDescription("host:port the analytics head listens on; bridges connect to it "
                    + "(SystemMetadata.head / DEISA_HEAD on the simulation side).");

    /** How many timesteps the simulation may run ahead of the analytics. */
    public static final ConfigOption<Integer> MAX_SIMULATION_AHEAD = ConfigOptions.key("deisa.max-simulation-ahead")
            .intType()
            .defaultValue(1)
            .withDescription("Bridge.send for timestep t returns only after every callback for timesteps "
                    + "<= t - k - 1 has run (k >= 0).");

    /** Feedback entries retained per key. */
    public static final ConfigOption<Integer> FEEDBACK_QUEUE_SIZE = ConfigOptions.key("deisa.feedback-queue-size")
            .intType()
            .defaultValue(1024)
            .withDescription("How many feedback values each key retains; the oldest are evicted.");

    /** How long the head waits for every bridge of the world to register. */
    public static final ConfigOption<Duration> REGISTRATION_TIMEOUT =
            ConfigOptions.key("deisa.head.registration-timeout")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(30))
                    .withDescription("How long after the job starts every bridge of the simulation may take to "
                            + "register at the head; then the run fails, naming the bridges that did register. "
                            + "Covers a simulation queued after its analytics on a batch system.");

    /** How long the head address answers the bridges once a job that took checkpoints is over. */
    public static final ConfigOption<Duration> FAILED_RUN_NOTICE = ConfigOptions.key("deisa.head.failed-run-notice")
            .durationType()
            .defaultValue(Duration.ofMinutes(2))
            .withDescription("When a job that takes checkpoints fails after its last restart attempt or is "
                    + "cancelled, the JobManager answers on the head address for this long: bridges that try to "
                    + "rejoin the run get the job's failure at once instead of waiting out their connect timeout.");

    /** Whether bridges keep their chunks until a completed checkpoint covers them. */
    public static final ConfigOption<Boolean> REPLAY = ConfigOptions.key("deisa.source.replay")
            .booleanType()
            .defaultValue(false)
            .withDescription("Whether the job takes checkpoints and bridges therefore keep every chunk until the "
                    + "readers acknowledge that a completed checkpoint covers it, so that a restored job reads "
                    + "them again. Set by the job from DeisaOptions.checkpointInterval.");

    /** How long a reader tries to connect to a bridge. */
    public static final ConfigOption<Duration> READER_CONNECT_TIMEOUT =
            ConfigOptions.key("deisa.source.connect-timeout")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(30))
                    .withDescription("How long a source reader tries to connect to a bridge's data endpoint.");

    /** How long a reader waits for the rest of a started frame. */
    public static final ConfigOption<Duration> FRAME_TIMEOUT = ConfigOptions.key("deisa.source.frame-timeout")
            .durationType()
            .defaultValue(Duration.ofSeconds(60))
            .withDescription("How long a source reader waits for the rest of a frame a bridge started to send "
                    + "before it declares the bridge stalled.");

    /** How long one fetch waits for a frame. */
    public static final ConfigOption<Duration> POLL_TIMEOUT = ConfigOptions.key("deisa.source.poll-timeout")
            .durationType()
            .defaultValue(Duration.ofMillis(100))
            .withDescription("How long one fetch waits for a frame before it returns empty (bounds the "
                    + "latency of shutting a fetcher down; data is returned as soon as it arrives).");

    /** Largest accepted frame. */
    public static final ConfigOption<Integer> MAX_FRAME_BYTES = ConfigOptions.key("deisa.source.max-frame-bytes")
            .intType()
            .defaultValue(Integer.MAX_VALUE - 64)
            .withDescription("Frames longer than this are refused as malformed before anything is allocated; "
                    + "it bounds the size of one chunk.");

    private BridgeSourceOptions() {}

    /**
     * Chunk bytes one source reader holds at most between its sockets and the operators chained
     * after it: the fetcher stops reading a connection whose next chunk does not fit until memory is
     * released. Keeps a reader of many bridges with
     * large chunks within its TaskManager's heap; a chunk larger than this is read alone.
     */
    public static final ConfigOption<org.apache.flink.configuration.MemorySize> READER_MEMORY =
            ConfigOptions.key("deisa.source.reader-memory")
                    .memoryType()
                    .defaultValue(org.apache.flink.configuration.MemorySize.ofMebiBytes(256))
                    .withDescription("Chunk bytes one source reader holds at most before its chained operators"
                            + " processed them.");
}
