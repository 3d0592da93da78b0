package io.deisa.examples;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/** TCP ports for the examples' and benchmarks' heads and rendezvous. */
public final class Ports {
    private static final int LOWEST = 10_000;
    private static final int ATTEMPTS = 100;

    private Ports() {}

    /**
     * A port of the loopback interface that is free now, below the kernel's ephemeral range. The
     * head binds its port only after the embedded Flink cluster has started, and a port the system
     * handed out as ephemeral could meanwhile go to one of Flink's own servers (seen: the blob
     * server), which bridges would then reach instead of the head; ports below that range are
     * never handed out that way.
     */
    public static int free() {
        int ephemeralStart = ephemeralRangeStart();
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(LOWEST, ephemeralStart);
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                return port;
            } catch (IOException busy) {
                // try another one
            }
        }
        throw new IllegalStateException(
                "no free port between " + LOWEST + " and " + ephemeralStart + " on the loopback interface");
    }

    private static int ephemeralRangeStart() {
        try {
            String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
            return Math.max(LOWEST + 1, Integer.parseInt(range.split("\\s+")[0]));
        } catch (IOException | RuntimeException e) {
            return 32_768; // the Linux default
        }
    }
}
