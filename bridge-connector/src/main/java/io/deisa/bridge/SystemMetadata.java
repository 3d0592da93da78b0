package io.deisa.bridge;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings shared by every bridge of a simulation: the number of bridges, the rendezvous of the
 * default communicator, the analytics head endpoint and the connection timeout.
 *
 * <pre>{@code
 * SystemMetadata sys = SystemMetadata.builder()
 *     .worldSize(4)                       // number of bridges (ranks) that will ever send
 *     .masterAddress("127.0.0.1")         // rendezvous of the default communicator (bridge 0 listens)
 *     .masterPort(29500)
 *     .head("127.0.0.1:29600")            // the analytics job's head endpoint
 *     .connectTimeout(Duration.ofSeconds(120))
 *     .build();
 * }</pre>
 *
 * <p>Defaults: {@code head} = environment variable {@value #HEAD_ENV}, else {@value #DEFAULT_HEAD};
 * {@code connectTimeout} = 120 s. {@code masterAddress} and {@code masterPort} are needed only when
 * no {@code Communicator} is given to the {@code Bridge}. Immutable, with value equality.
 */
public final class SystemMetadata {
    /** Environment variable holding the default head endpoint. */
    public static final String HEAD_ENV = "DEISA_HEAD";
    /** Head endpoint used when neither {@code head(...)} nor {@value #HEAD_ENV} is set. */
    public static final String DEFAULT_HEAD = "127.0.0.1:29600";
    /** Timeout used when {@code connectTimeout(...)} is not set. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(120);

    private static final int NO_PORT = -1;

    private final int worldSize;
    private final String masterAddress;
    private final int masterPort;
    private final String head;
    private final String headHost;
    private final int headPort;
    private final Duration connectTimeout;

    private SystemMetadata(Builder b, String head, String headHost, int headPort) {
        this.worldSize = b.worldSize;
        this.masterAddress = b.masterAddress;
        this.masterPort = b.masterPort;
        this.head = head;
        this.headHost = headHost;
        this.headPort = headPort;
        this.connectTimeout = b.connectTimeout;
    }

    /** Starts a builder; {@link Builder#build()} validates the fields. */
    public static Builder builder() {
        return new Builder();
    }

    /** Number of bridges (ranks) of the simulation, at least 1. */
    public int worldSize() {
        return worldSize;
    }

    /** Host of the default communicator's rendezvous (bridge 0 listens there), or {@code null}. */
    public String masterAddress() {
        return masterAddress;
    }

    /** Port of the default communicator's rendezvous, or -1 when unset. */
    public int masterPort() {
        return masterPort;
    }

    /** Whether both {@link #masterAddress()} and {@link #masterPort()} are set. */
    public boolean hasMaster() {
        return masterAddress != null && masterPort != NO_PORT;
    }

    /** The analytics head endpoint, {@code host:port} (IPv6 hosts in brackets). */
    public String head() {
        return head;
    }

    /** Host part of {@link #head()}, without IPv6 brackets. */
    public String headHost() {
        return headHost;
    }

    /** Port part of {@link #head()}. */
    public int headPort() {
        return headPort;
    }

    /** How long bridges wait for each other and for the head when connecting. */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof SystemMetadata)) {
            return false;
        }
        SystemMetadata other = (SystemMetadata) o;
        return worldSize == other.worldSize
                && masterPort == other.masterPort
                && Objects.equals(masterAddress, other.masterAddress)
                && head.equals(other.head)
                && connectTimeout.equals(other.connectTimeout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(worldSize, masterAddress, masterPort, head, connectTimeout);
    }

    @Override
    public String toString() {
        return "SystemMetadata{worldSize=" + worldSize
                + ", master=" + (hasMaster() ? masterAddress + ":" + masterPort : "unset")
                + ", head=" + head
                + ", connectTimeout=" + connectTimeout + '}';
    }

    /** Builder of {@link SystemMetadata}; {@link #build()} validates. */
    public static final class Builder {
        private int worldSize;
        private boolean worldSizeSet;
        private String masterAddress;
        private int masterPort = NO_PORT;
        private String head;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;

        private Builder() {}

        /**
         * Sets the number of bridges (required, {@code >= 1}).
         *
         * @return this builder
         */
        public Builder worldSize(int worldSize) {
            this.worldSize = worldSize;
            this.worldSizeSet = true;
            return this;
        }

        /**
         * Sets the host where bridge 0 hosts the default communicator's rendezvous.
         *
         * @return this builder
         */
        public Builder masterAddress(String masterAddress) {
            this.masterAddress = masterAddress;
            return this;
        }

        /**
         * Sets the port of the default communicator's rendezvous ({@code 0..65535}).
         *
         * @return this builder
         */
        public Builder masterPort(int masterPort) {
            if (masterPort < 0 || masterPort > 65535) {
                throw new IllegalArgumentException("masterPort must be in [0, 65535] but is " + masterPort);
            }
            this.masterPort = masterPort;
            return this;
        }

        /**
         * Sets the analytics head endpoint, {@code host:port} or {@code [ipv6]:port} (default: the
         * environment variable {@value #HEAD_ENV}, else {@value #DEFAULT_HEAD}).
         *
         * @return this builder
         */
        public Builder head(String head) {
            this.head = Objects.requireNonNull(head, "head");
            return this;
        }

        /**
         * Sets how long bridges wait for each other and for the head (positive, default 120 s).
         *
         * @return this builder
         */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
            return this;
        }

        /**
         * Validates the fields and builds the metadata.
         *
         * @throws IllegalArgumentException naming the field and value when {@code worldSize} is
         *     missing or below 1, {@code head} is not {@code host:port} with a port in {@code
         *     [1, 65535]}, or {@code connectTimeout} is not positive
         */
        public SystemMetadata build() {
            if (!worldSizeSet) {
                throw new IllegalArgumentException("worldSize is missing");
            }
            if (worldSize < 1) {
                throw new IllegalArgumentException("worldSize must be >= 1 but is " + worldSize);
            }
            if (connectTimeout.isNegative() || connectTimeout.isZero()) {
                throw new IllegalArgumentException("connectTimeout must be positive but is " + connectTimeout);
            }
            String endpoint = head != null ? head.trim() : defaultHead();
            int colon = endpoint.lastIndexOf(':');
            String host = colon < 0 ? "" : unbracket(endpoint.substring(0, colon));
            int port = colon < 0 ? 0 : parsePort(endpoint.substring(colon + 1));
            if (host.isEmpty() || port == 0) {
                throw new IllegalArgumentException("head '" + endpoint
                        + "' is not host:port with a port in [1, 65535] (IPv6 hosts in brackets: [::1]:29600)");
            }
            return new SystemMetadata(this, endpoint, host, port);
        }

        private static String defaultHead() {
            String fromEnv = System.getenv(HEAD_ENV);
            return fromEnv == null || fromEnv.isBlank() ? DEFAULT_HEAD : fromEnv.trim();
        }

        /** The host without IPv6 brackets, or "" when it is malformed. */
        private static String unbracket(String host) {
            if (host.startsWith("[") && host.endsWith("]")) {
                String inner = host.substring(1, host.length() - 1);
                return inner.indexOf(':') >= 0 ? inner : "";
            }
            return host.indexOf(':') >= 0 || host.indexOf('[') >= 0 || host.indexOf(']') >= 0 ? "" : host;
        }

        /** The port, or 0 when it is not a number in [1, 65535]. */
        private static int parsePort(String port) {
            if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return 0;
            }
            int value = Integer.parseInt(port);
            return value <= 65535 ? value : 0;
        }
    }
}
