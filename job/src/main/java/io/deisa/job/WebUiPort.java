package io.deisa.job;

import org.apache.flink.annotation.Internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Chooses the port of the embedded cluster's web UI, so that it can be printed before start. */
@Internal
final class WebUiPort {
    static final int FIRST = 8081;
    static final int LAST = 8181;

    private WebUiPort() {}

    /** The first port from {@link #FIRST} that is free now, or {@link #FIRST} when none is. */
    static int firstFree() {
        for (int port = FIRST; port <= LAST; port++) {
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress(port));
                return port;
            } catch (IOException taken) {
                // try the next one
            }
        }
        return FIRST;
    }

    /** The first port of a {@code rest.bind-port} value such as {@code "8083-8181"} or {@code "8081"}. */
    static int first(String bindPorts) {
        String first = bindPorts.split("[-,]")[0].trim();
        return Integer.parseInt(first);
    }
}
