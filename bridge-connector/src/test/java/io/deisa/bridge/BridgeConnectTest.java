package io.deisa.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deisa.bridge.internal.Ports;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;

/** How long a bridge may wait for its head, whatever the head does. */
class BridgeConnectTest {
    private static final Map<String, ArrayMetadata> ONE_CHUNK = Map.of("field", ArrayMetadata.builder()
            .chunkShape(2).chunksPerDim(1).chunkPosition(0).dtype(DType.FLOAT64).build());

    @Test
    void aHeadAddressThatAcceptsButNeverAnswersEndsInATimeoutNamingIt() throws Exception {
        // The kernel completes the connection (backlog); nothing ever reads or answers.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            SystemMetadata system = SystemMetadata.builder().worldSize(1).masterAddress("127.0.0.1")
                    .masterPort(Ports.free()).head("127.0.0.1:" + silent.getLocalPort())
                    .connectTimeout(Duration.ofSeconds(2)).build();
            long start = System.nanoTime();
            assertThatThrownBy(() -> new Bridge(0, ONE_CHUNK, system).close())
                    .isInstanceOf(DeisaTimeoutException.class)
                    .hasMessageContaining("Bridge 0 registered at 127.0.0.1:" + silent.getLocalPort())
                    .hasMessageContaining("got no answer");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(1_500),
                    Duration.ofSeconds(10));
        }
    }
}
