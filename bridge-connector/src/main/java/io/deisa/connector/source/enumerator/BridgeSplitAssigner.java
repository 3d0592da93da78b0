package io.deisa.connector.source.enumerator;

import io.deisa.connector.source.split.BridgeSplit;

import org.apache.flink.annotation.Internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Decides which reader reads which bridge: a reader on the bridge's host when there is one (the
 * chunk then never crosses the network before the first shuffle), the least loaded such reader,
 * and the least loaded reader of all otherwise. Deterministic: ties go to the lowest subtask.
 */
@Internal
public final class BridgeSplitAssigner {

    /**
     * Assigns {@code splits} over {@code readerLocations} (subtask to host name).
     *
     * @param bridgeHosts host name of every bridge, by bridge id
     * @param load splits each subtask already reads (updated in place)
     */
    public Map<Integer, List<BridgeSplit>> assign(
            Collection<BridgeSplit> splits,
            Map<Integer, String> readerLocations,
            Map<Integer, String> bridgeHosts,
            Map<Integer, Integer> load) {
        Map<Integer, List<BridgeSplit>> assignment = new HashMap<>();
        Map<String, InetAddress> resolved = new HashMap<>();
        for (BridgeSplit split : splits) {
            String bridgeHost = bridgeHosts.getOrDefault(split.bridgeId(), split.host());
            List<Integer> local = new ArrayList<>();
            for (Map.Entry<Integer, String> reader : readerLocations.entrySet()) {
                if (sameHost(reader.getValue(), bridgeHost, resolved)
                        || sameHost(reader.getValue(), split.host(), resolved)) {
                    local.add(reader.getKey());
                }
            }
            int reader = leastLoaded(local.isEmpty() ? readerLocations.keySet() : local, load);
            load.merge(reader, 1, Integer::sum);
            assignment.computeIfAbsent(reader, k -> new ArrayList<>()).add(split);
        }
        return assignment;
    }

    private static int leastLoaded(Collection<Integer> readers, Map<Integer, Integer> load) {
        int best = -1;
        for (int reader : readers) {
            if (best < 0
                    || load.getOrDefault(reader, 0) < load.getOrDefault(best, 0)
                    || (load.getOrDefault(reader, 0).equals(load.getOrDefault(best, 0)) && reader < best)) {
                best = reader;
            }
        }
        if (best < 0) {
            throw new IllegalStateException("No source reader to assign bridges to");
        }
        return best;
    }

    /**
     * Whether two host names or addresses denote the same machine: equal names, equal first labels
     * when one of them is unqualified ({@code node1} and {@code node1.cluster}), or addresses that
     * resolve alike (two local addresses of this machine included).
     *
     * @param resolved cache of name resolutions, so each name is looked up once per assignment
     */
    static boolean sameHost(String a, String b, Map<String, InetAddress> resolved) {
        if (a == null || b == null) {
            return false;
        }
        String x = a.toLowerCase(Locale.ROOT);
        String y = b.toLowerCase(Locale.ROOT);
        if (x.equals(y)) {
            return true;
        }
        boolean unqualified = !isAddress(x) && !isAddress(y) && (x.indexOf('.') < 0 || y.indexOf('.') < 0);
        if (unqualified && firstLabel(x).equals(firstLabel(y))) {
            return true;
        }
        InetAddress ax = resolve(x, resolved);
        InetAddress ay = resolve(y, resolved);
        return ax != null && ay != null && (ax.equals(ay) || (isLocal(ax) && isLocal(ay)));
    }

    private static InetAddress resolve(String host, Map<String, InetAddress> resolved) {
        return resolved.computeIfAbsent(host, h -> {
            try {
                return InetAddress.getByName(h);
            } catch (UnknownHostException e) {
                return null;
            }
        });
    }

    private static boolean isAddress(String host) {
        return host.indexOf(':') >= 0 || host.chars().allMatch(c -> Character.isDigit(c) || c == '.');
    }

    private static String firstLabel(String host) {
        int dot = host.indexOf('.');
        return dot > 0 ? host.substring(0, dot) : host;
    }

    private static boolean isLocal(InetAddress address) {
        if (address.isLoopbackAddress() || address.isAnyLocalAddress()) {
            return true;
        }
        try {
            return java.net.NetworkInterface.getByInetAddress(address) != null;
        } catch (java.net.SocketException e) {
            return false;
        }
    }
}
