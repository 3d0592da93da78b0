package io.deisa.bridge.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free TCP ports for the heads and rendezvous that the examples, benchmarks and tests start: not
 * part of the API.
 */
public final class Ports {
    private static final int LOWEST = 10_000;
    private static final int ATTEMPTS = 100;
    /** Ports this JVM already handed out: two callers never get the same port, even once both are free. */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private Ports() {}

    /**
     * A port of the loopback interface that is free now, below the kernel's ephemeral range. The
     * head binds its port only after the embedded Flink cluster has started, and a port the system
     * handed out as ephemeral could meanwhile go to one of Flink's own servers (seen: the blob
     * server), which bridges would then reach instead of the head; ports below that range are
     * never handed out that way. A port is handed out once per JVM, so that a demo's head and
     * rendezvous, picked one after the other before either binds, never get the same port.
     */
    public static int free() {
        int ephemeralStart = ephemeralRangeStart();
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(LOWEST, ephemeralStart);
            if (!HANDED_OUT.add(port)) {
                continue;
            }
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

    /**
     * The first port of the kernel's ephemeral range. The file is read line by line: {@code
     * Files.readString} trusts the size that {@code /proc} reports and returns only its first byte.
     */
    static int ephemeralRangeStart() {
        try {
            String range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim();
            return Math.max(LOWEST + 1, Integer.parseInt(range.split("\\s+")[0]));
        } catch (IOException | RuntimeException e) {
            return 32_768; // the Linux default
        }
    }
}
