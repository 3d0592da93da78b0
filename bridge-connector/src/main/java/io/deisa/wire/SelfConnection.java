package io.deisa.wire;

import java.io.IOException;
import java.net.Socket;

/**
 * Detects a TCP self-connection. When a client connects to a port of its own host on which nothing
 * listens, and the kernel picks that same port as the client's ephemeral port, the simultaneous
 * open connects the socket to itself: the connection succeeds and the client reads back what it
 * wrote. Every client of the protocol checks for it right after connecting and treats it as "nothing
 * listens there yet".
 */
public final class SelfConnection {
    private SelfConnection() {}

    /**
     * Throws when {@code socket} is connected to itself; the message names the address.
     *
     * @throws IOException naming {@code what} and the address
     */
    public static void check(Socket socket, String what) throws IOException {
        if (socket.getLocalPort() == socket.getPort() && socket.getLocalAddress().equals(socket.getInetAddress())) {
            throw new IOException("the connection to " + what + " at " + socket.getInetAddress().getHostAddress() + ":"
                    + socket.getPort() + " is connected to itself (nothing listens on that port, and the kernel gave "
                    + "the connecting socket that same port): refused");
        }
    }
}
