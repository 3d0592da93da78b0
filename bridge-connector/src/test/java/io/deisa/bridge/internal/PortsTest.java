package io.deisa.bridge.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Scanner;
import java.util.Set;

class PortsTest {
    private static final Path RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

    @Test
    void readsTheWholeEphemeralRangeFromProc() throws IOException {
        if (!Files.exists(RANGE)) {
            return; // not Linux: the default applies
        }
        try (Scanner range = new Scanner(RANGE)) {
            assertThat(Ports.ephemeralRangeStart()).isEqualTo(Math.max(10_001, range.nextInt()));
        }
    }

    @Test
    void handsOutDistinctBindablePortsBelowTheEphemeralRange() throws IOException {
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            int port = Ports.free();
            assertThat(port).isBetween(10_000, Ports.ephemeralRangeStart() - 1);
            assertThat(ports.add(port)).as("port %d handed out twice", port).isTrue();
        }
        int port = Ports.free();
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        }
    }
}
