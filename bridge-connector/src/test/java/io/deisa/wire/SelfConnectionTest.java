package io.deisa.wire;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.assertThatNoException;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

class SelfConnectionTest {
    @Test
    void aSocketConnectedToItselfIsRefusedNamingTheAddress() throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (Socket socket = new Socket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(loopback, 0));
            int port = socket.getLocalPort();
            // Nothing listens on the port: TCP's simultaneous open connects the socket to itself.
            socket.connect(new InetSocketAddress(loopback, port), 5_000);
            assertThatThrownBy(() -> SelfConnection.check(socket, "the analytics head"))
                    .hasMessageContaining("the connection to the analytics head at " + loopback.getHostAddress() + ":"
                            + port + " is connected to itself");
        }
    }

    @Test
    void anOrdinaryConnectionPasses() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
            assertThatNoException().isThrownBy(() -> SelfConnection.check(socket, "the analytics head"));
        }
    }
}
