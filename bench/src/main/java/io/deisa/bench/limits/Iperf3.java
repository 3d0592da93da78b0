package io.deisa.bench.limits;

import io.deisa.bridge.internal.Ports;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loopback TCP throughput measured by {@code iperf3} (one stream, the same shape as one bridge's
 * data connection): a one-off server and a client on a free port, the received rate of the JSON
 * report.
 */
public final class Iperf3 {
    private static final Pattern RECEIVED =
            Pattern.compile("\"sum_received\"\\s*:\\s*\\{[^}]*?\"bits_per_second\"\\s*:\\s*([0-9.eE+]+)");

    private Iperf3() {}

    /**
     * Runs one measurement of {@code seconds}.
     *
     * @return bytes per second received
     * @throws IllegalStateException when iperf3 is missing or fails, with its output
     */
    public static double loopbackBytesPerSecond(int seconds) throws IOException, InterruptedException {
        int port = Ports.free();
        Process server = new ProcessBuilder("iperf3", "-s", "-1", "--forceflush", "-p", Integer.toString(port))
                .redirectErrorStream(true).start();
        try {
            awaitListening(server);
            Process client = new ProcessBuilder("iperf3", "-c", "127.0.0.1", "-p", Integer.toString(port),
                    "-t", Integer.toString(seconds), "-J").redirectErrorStream(true).start();
            String report = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!client.waitFor(seconds + 30L, TimeUnit.SECONDS) || client.exitValue() != 0) {
                throw new IllegalStateException("iperf3 client failed:\n" + report);
            }
            Matcher m = RECEIVED.matcher(report);
            if (!m.find()) {
                throw new IllegalStateException("no sum_received.bits_per_second in the iperf3 report:\n" + report);
            }
            return Double.parseDouble(m.group(1)) / 8;
        } finally {
            server.destroyForcibly();
        }
    }

    private static void awaitListening(Process server) throws IOException {
        BufferedReader lines = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        for (String line; (line = lines.readLine()) != null; ) {
            if (line.contains("Server listening")) {
                return;
            }
            seen.append(line).append('\n');
        }
        throw new IllegalStateException("iperf3 server exited before listening:\n" + seen);
    }
}
