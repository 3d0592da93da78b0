package io.deisa.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** TCP ports for the examples' heads, rendezvous and web UI. */
public final class Ports {
    private Ports() {}

    /** A port of the loopback interface that is free now. */
    public static int free() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on the loopback interface", e);
        }
    }

    /** The first port of {@code [from, to]} that can be bound now, or -1. */
    public static int firstFree(int from, int to) {
        for (int port = from; port <= to; port++) {
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(port));
                return port;
            } catch (IOException e) {
                // taken: try the next one
            }
        }
        return -1;
    }
}
