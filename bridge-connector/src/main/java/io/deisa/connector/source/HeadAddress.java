package io.deisa.connector.source;

import org.apache.flink.annotation.Internal;

/**
 * A parsed {@code host:port} head address ({@code [v6]:port} for IPv6).
 *
 * @param host the host name or address
 * @param port the port
 */
@Internal
public record HeadAddress(String host, int port) {
    /**
     * Parses {@code hostPort}.
     *
     * @throws IllegalArgumentException naming the value when it is not {@code host:port}
     */
    public static HeadAddress parse(String hostPort) {
        if (hostPort != null) {
            int colon = hostPort.lastIndexOf(':');
            if (colon > 0 && colon < hostPort.length() - 1) {
                String host = hostPort.substring(0, colon);
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                }
                try {
                    int port = Integer.parseInt(hostPort.substring(colon + 1));
                    if (port >= 0 && port <= 65535 && !host.isBlank()) {
                        return new HeadAddress(host, port);
                    }
                } catch (NumberFormatException e) {
                    // reported below
                }
            }
        }
        throw new IllegalArgumentException("Head address '" + hostPort + "' is not host:port");
    }
}
