package io.deisa.job;

import io.deisa.bridge.SystemMetadata;
import io.deisa.connector.source.HeadAddress;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.Configuration;

import java.time.Duration;
import java.util.OptionalInt;

/**
 * Options of an analytics run.
 *
 * <pre>{@code
 * DeisaOptions options = DeisaOptions.builder()
 *     .maxSimulationAhead(2)
 *     .head("0.0.0.0:29600")
 *     .configuration(Configuration.fromMap(Map.of("state.backend.type", "rocksdb")))
 *     .build();
 * }</pre>
 */
@PublicEvolving
public final class DeisaOptions {
    /** Default of {@link Builder#maxSimulationAhead(int)}. */
    public static final int DEFAULT_MAX_SIMULATION_AHEAD = 1;
    /** Default of {@link Builder#feedbackQueueSize(int)}. */
    public static final int DEFAULT_FEEDBACK_QUEUE_SIZE = 1024;
    /** Default of {@link Builder#checkpointInterval(Duration)}. */
    public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(2);

    private final int maxSimulationAhead;
    private final int feedbackQueueSize;
    private final String head;
    private final Integer parallelism;
    private final Duration checkpointInterval;
    private final Configuration configuration;

    private DeisaOptions(Builder b) {
        this.checkpointInterval = b.checkpointInterval;
        this.maxSimulationAhead = b.maxSimulationAhead;
        this.feedbackQueueSize = b.feedbackQueueSize;
        this.head = b.head;
        this.parallelism = b.parallelism;
        this.configuration = new Configuration(b.configuration);
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** How many timesteps the simulation may run ahead of the analytics. */
    public int maxSimulationAhead() {
        return maxSimulationAhead;
    }

    /** How many feedback entries each key retains. */
    public int feedbackQueueSize() {
        return feedbackQueueSize;
    }

    /** The {@code host:port} the head listens on. */
    public String head() {
        return head;
    }

    /** The parallelism of the source and of array assembly, if set (unset: 1). */
    public OptionalInt parallelism() {
        return parallelism == null ? OptionalInt.empty() : OptionalInt.of(parallelism);
    }

    /** How often the job takes a checkpoint; {@link Duration#ZERO}: never (no recovery). */
    public Duration checkpointInterval() {
        return checkpointInterval;
    }

    /** A copy of the extra Flink configuration. */
    public Configuration configuration() {
        return new Configuration(configuration);
    }

    @Override
    public String toString() {
        return "DeisaOptions{maxSimulationAhead=" + maxSimulationAhead + ", feedbackQueueSize=" + feedbackQueueSize
                + ", head=" + head + ", parallelism=" + parallelism + ", checkpointInterval=" + checkpointInterval
                + ", configuration=" + configuration + "}";
    }

    /** Builds {@link DeisaOptions}; every setter checks its argument. */
    @PublicEvolving
    public static final class Builder {
        private int maxSimulationAhead = DEFAULT_MAX_SIMULATION_AHEAD;
        private int feedbackQueueSize = DEFAULT_FEEDBACK_QUEUE_SIZE;
        private String head = defaultHead();
        private Integer parallelism;
        private Duration checkpointInterval = DEFAULT_CHECKPOINT_INTERVAL;
        private Configuration configuration = new Configuration();

        private Builder() {}

        private static String defaultHead() {
            String env = System.getenv(SystemMetadata.HEAD_ENV);
            return env == null || env.isBlank() ? SystemMetadata.DEFAULT_HEAD : env.trim();
        }

        /**
         * {@code Bridge.send} for timestep {@code t} returns only after the analytics finished every
         * callback for timesteps {@code <= t - k - 1}.
         *
         * @throws IllegalArgumentException if {@code k < 0}
         */
        public Builder maxSimulationAhead(int k) {
            if (k < 0) {
                throw new IllegalArgumentException("maxSimulationAhead must be >= 0, got " + k);
            }
            this.maxSimulationAhead = k;
            return this;
        }

        /**
         * How many feedback entries each key retains (the oldest are evicted).
         *
         * @throws IllegalArgumentException if {@code size <= 0}
         */
        public Builder feedbackQueueSize(int size) {
            if (size <= 0) {
                throw new IllegalArgumentException("feedbackQueueSize must be > 0, got " + size);
            }
            this.feedbackQueueSize = size;
            return this;
        }

        /**
         * The {@code host:port} the head listens on and bridges connect to.
         *
         * @throws IllegalArgumentException if it is not {@code host:port}
         */
        public Builder head(String hostPort) {
            HeadAddress.parse(hostPort);
            this.head = hostPort;
            return this;
        }

        /**
         * The parallelism of the source and of array assembly; default 1. With 1, one reader task
         * receives every bridge (all read by its one fetcher thread) and the whole pipeline runs as one
         * chained task, without serializing chunks; more readers spread the bridges over
         * TaskManagers (readers on the bridges' hosts first) at the cost of a shuffle of every chunk.
         *
         * @throws IllegalArgumentException if {@code parallelism < 1}
         */
        public Builder parallelism(int parallelism) {
            if (parallelism < 1) {
                throw new IllegalArgumentException("parallelism must be >= 1, got " + parallelism);
            }
            this.parallelism = parallelism;
            return this;
        }

        /**
         * How often the job takes a checkpoint (default 2 s). With checkpoints, a failed task (a
         * lost TaskManager, for instance) restarts from the last completed checkpoint, and the
         * bridges send again every chunk the checkpoint does not cover: they keep each chunk until
         * a completed checkpoint covers it, within their buffer bound. {@link Duration#ZERO} turns
         * checkpoints and recovery off: bridges drop a chunk once sent, and any failure ends the run.
         *
         * @throws IllegalArgumentException if {@code interval} is null or negative, or positive
         *     but shorter than 10 ms (Flink's minimum)
         */
        public Builder checkpointInterval(Duration interval) {
            if (interval == null || interval.isNegative()
                    || (!interval.isZero() && interval.compareTo(Duration.ofMillis(10)) < 0)) {
                throw new IllegalArgumentException(
                        "checkpointInterval must be ZERO (off) or at least 10 ms, got " + interval);
            }
            this.checkpointInterval = interval;
            return this;
        }

        /**
         * Any Flink setting (state backend, checkpointing, REST port, ...), applied over the job's
         * defaults.
         *
         * @throws IllegalArgumentException if {@code configuration} is null
         */
        public Builder configuration(Configuration configuration) {
            if (configuration == null) {
                throw new IllegalArgumentException("configuration must not be null");
            }
            this.configuration = new Configuration(configuration);
            return this;
        }

        /** The options. */
        public DeisaOptions build() {
            return new DeisaOptions(this);
        }
    }
}
