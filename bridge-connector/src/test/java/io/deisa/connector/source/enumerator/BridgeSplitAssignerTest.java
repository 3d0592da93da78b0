package io.deisa.connector.source.enumerator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deisa.connector.source.split.BridgeSplit;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Host names of remote machines are documentation addresses (RFC 5737: 192.0.2.0/24,
 * 198.51.100.0/24), which are never local and never need a DNS lookup.
 */
class BridgeSplitAssignerTest {
    private static final String HOST_A = "192.0.2.10";
    private static final String HOST_B = "192.0.2.20";
    private static final String HOST_C = "198.51.100.30";

    private final BridgeSplitAssigner assigner = new BridgeSplitAssigner();

    private static List<BridgeSplit> splits(int count, String host) {
        return IntStream.range(0, count)
                .mapToObj(id -> new BridgeSplit(id, host, 40000 + id, 0))
                .collect(Collectors.toList());
    }

    private static Map<Integer, String> hosts(List<BridgeSplit> splits) {
        Map<Integer, String> hosts = new HashMap<>();
        splits.forEach(s -> hosts.put(s.bridgeId(), s.host()));
        return hosts;
    }

    /** Bridge ids per subtask, sorted, for compact assertions. */
    private static Map<Integer, List<Integer>> ids(Map<Integer, List<BridgeSplit>> assignment) {
        Map<Integer, List<Integer>> ids = new TreeMap<>();
        assignment.forEach((subtask, list) -> ids.put(subtask,
                list.stream().map(BridgeSplit::bridgeId).sorted().collect(Collectors.toList())));
        return ids;
    }

    @Test
    void bridgeGoesToTheReaderOnItsHost() {
        List<BridgeSplit> splits = List.of(
                new BridgeSplit(0, HOST_B, 1000, 0),
                new BridgeSplit(1, HOST_A, 1001, 0),
                new BridgeSplit(2, HOST_C, 1002, 0));
        Map<Integer, String> readers = Map.of(0, HOST_A, 1, HOST_B, 2, HOST_C);
        Map<Integer, List<BridgeSplit>> assignment =
                assigner.assign(splits, readers, hosts(splits), new HashMap<>());
        assertThat(ids(assignment)).isEqualTo(Map.of(0, List.of(1), 1, List.of(0), 2, List.of(2)));
        // the splits themselves are handed out unchanged
        assertThat(assignment.get(1)).containsExactly(splits.get(0));
    }

    @Test
    void eitherTheRegisteredHostOrTheDataHostMatches() {
        // The data endpoint address may be an interface address while the bridge reports its host
        // name: either one matching the reader's location places the split there.
        BridgeSplit split = new BridgeSplit(0, HOST_C, 1000, 0);
        Map<Integer, String> readers = Map.of(0, HOST_C.replace("30", "31"), 1, HOST_B);
        assertThat(ids(assigner.assign(List.of(split), readers, Map.of(0, HOST_B), new HashMap<>())))
                .isEqualTo(Map.of(1, List.of(0)));
        // without a registered host, the data host decides
        Map<Integer, String> readers2 = Map.of(0, HOST_B, 1, HOST_C);
        assertThat(ids(assigner.assign(List.of(split), readers2, Map.of(), new HashMap<>())))
                .isEqualTo(Map.of(1, List.of(0)));
    }

    @Test
    void localityBeatsBalance() {
        // All bridges run on host A: all go to the reader there, even though reader 1 stays idle.
        List<BridgeSplit> splits = splits(4, HOST_A);
        Map<Integer, String> readers = Map.of(0, HOST_B, 1, HOST_A);
        assertThat(ids(assigner.assign(splits, readers, hosts(splits), new HashMap<>())))
                .isEqualTo(Map.of(1, List.of(0, 1, 2, 3)));
    }

    @Test
    void bridgesAreBalancedOverTheReadersOfTheirHost() {
        List<BridgeSplit> splits = new ArrayList<>(splits(6, HOST_A));
        splits.addAll(IntStream.range(6, 9)
                .mapToObj(id -> new BridgeSplit(id, HOST_B, 40000 + id, 0)).collect(Collectors.toList()));
        Map<Integer, String> readers = Map.of(0, HOST_A, 1, HOST_B, 2, HOST_A, 3, HOST_A);
        Map<Integer, Integer> load = new HashMap<>();
        Map<Integer, List<BridgeSplit>> assignment = assigner.assign(splits, readers, hosts(splits), load);
        assertThat(ids(assignment)).isEqualTo(Map.of(
                0, List.of(0, 3),
                1, List.of(6, 7, 8),
                2, List.of(1, 4),
                3, List.of(2, 5)));
        assertThat(load).isEqualTo(Map.of(0, 2, 1, 3, 2, 2, 3, 2));
    }

    @Test
    void remoteBridgesGoToTheLeastLoadedReader() {
        List<BridgeSplit> splits = splits(5, HOST_C);
        Map<Integer, String> readers = Map.of(0, HOST_A, 1, HOST_B, 2, HOST_A);
        // reader 0 already reads three bridges, reader 2 one
        Map<Integer, Integer> load = new HashMap<>(Map.of(0, 3, 2, 1));
        Map<Integer, List<BridgeSplit>> assignment = assigner.assign(splits, readers, hosts(splits), load);
        // bridge 0 -> 1 (load 0); 1 -> 1 (tie 1/1 with reader 2: lowest subtask); 2 -> 2; 3 -> 1 (tie); 4 -> 2
        assertThat(ids(assignment)).isEqualTo(Map.of(1, List.of(0, 1, 3), 2, List.of(2, 4)));
        assertThat(load).isEqualTo(Map.of(0, 3, 1, 3, 2, 3));
    }

    @Test
    void balancingSpreadsEvenlyOverManyReaders() {
        List<BridgeSplit> splits = splits(64, HOST_C);
        Map<Integer, String> readers = new HashMap<>();
        IntStream.range(0, 7).forEach(i -> readers.put(i, HOST_A));
        Map<Integer, Integer> load = new HashMap<>();
        Map<Integer, List<BridgeSplit>> assignment = assigner.assign(splits, readers, hosts(splits), load);
        assertThat(assignment).hasSize(7);
        assertThat(assignment.values().stream().mapToInt(List::size).min().getAsInt()).isEqualTo(9);
        assertThat(assignment.values().stream().mapToInt(List::size).max().getAsInt()).isEqualTo(10);
        assertThat(assignment.values().stream().flatMap(List::stream).map(BridgeSplit::bridgeId).sorted())
                .containsExactlyElementsOf(IntStream.range(0, 64).boxed().collect(Collectors.toList()));
    }

    @Test
    void loopbackNamesAndAddressesAreTheSameHost() throws UnknownHostException {
        assertThat(BridgeSplitAssigner.sameHost("localhost", "127.0.0.1", new java.util.HashMap<>())).isTrue();
        assertThat(BridgeSplitAssigner.sameHost("127.0.0.1", "LOCALHOST", new java.util.HashMap<>())).isTrue();
        assertThat(BridgeSplitAssigner.sameHost("127.0.0.1", "127.0.1.1", new java.util.HashMap<>())).isTrue();
        assertThat(BridgeSplitAssigner.sameHost("127.0.0.1", "0.0.0.0", new java.util.HashMap<>())).isTrue();
        String self = InetAddress.getLocalHost().getHostName();
        assertThat(BridgeSplitAssigner.sameHost(self, "127.0.0.1", new java.util.HashMap<>())).as("local host name %s", self).isTrue();
        assertThat(BridgeSplitAssigner.sameHost("node7.cluster.example.org", "NODE7", new java.util.HashMap<>())).isTrue();
        assertThat(BridgeSplitAssigner.sameHost(HOST_A, HOST_A, new java.util.HashMap<>())).isTrue();
        assertThat(BridgeSplitAssigner.sameHost(HOST_A, HOST_B, new java.util.HashMap<>())).isFalse();
        assertThat(BridgeSplitAssigner.sameHost("node1.a.example", "node1.b.example", new java.util.HashMap<>()))
                .as("two qualified names in different domains").isFalse();
        assertThat(BridgeSplitAssigner.sameHost("127.0.0.1", HOST_A, new java.util.HashMap<>())).isFalse();
        assertThat(BridgeSplitAssigner.sameHost(null, "127.0.0.1", new java.util.HashMap<>())).isFalse();
        assertThat(BridgeSplitAssigner.sameHost("127.0.0.1", null, new java.util.HashMap<>())).isFalse();
    }

    @Test
    void readerAtLocalhostGetsBridgesReportingTheLoopbackAddress() {
        List<BridgeSplit> splits = splits(3, "127.0.0.1");
        Map<Integer, String> readers = Map.of(0, HOST_A, 1, "localhost", 2, HOST_B);
        assertThat(ids(assigner.assign(splits, readers, hosts(splits), new HashMap<>())))
                .isEqualTo(Map.of(1, List.of(0, 1, 2)));
    }

    @Test
    void assignmentIsDeterministicWhateverTheMapOrder() {
        List<BridgeSplit> splits = new ArrayList<>(splits(10, HOST_C));
        splits.add(new BridgeSplit(10, HOST_A, 1, 0));
        Map<Integer, String> forward = new LinkedHashMap<>();
        Map<Integer, String> backward = new LinkedHashMap<>();
        for (int i = 0; i < 4; i++) {
            forward.put(i, i % 2 == 0 ? HOST_A : HOST_B);
        }
        for (int i = 3; i >= 0; i--) {
            backward.put(i, i % 2 == 0 ? HOST_A : HOST_B);
        }
        Map<Integer, List<Integer>> first = ids(assigner.assign(splits, forward, hosts(splits), new HashMap<>()));
        Map<Integer, List<Integer>> second = ids(assigner.assign(splits, backward, hosts(splits), new HashMap<>()));
        Map<Integer, List<Integer>> third =
                ids(new BridgeSplitAssigner().assign(splits, forward, hosts(splits), new HashMap<>()));
        assertThat(second).isEqualTo(first);
        assertThat(third).isEqualTo(first);
        // ties go to the lowest subtask: 0,1,2,3 round-robin for remote bridges
        assertThat(first).isEqualTo(Map.of(
                0, List.of(0, 4, 8),
                1, List.of(1, 5, 9),
                2, List.of(2, 6, 10),
                3, List.of(3, 7)));
    }

    @Test
    void noReaderIsAnError() {
        List<BridgeSplit> splits = splits(1, HOST_A);
        assertThatThrownBy(() -> assigner.assign(splits, Map.of(), hosts(splits), new HashMap<>()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("No source reader");
    }

    @Test
    void nothingToAssignWithoutSplits() {
        assertThat(assigner.assign(List.of(), Map.of(), Map.of(), new HashMap<>())).isEmpty();
        Map<Integer, Integer> load = new HashMap<>();
        assertThat(assigner.assign(Collections.emptyList(), Map.of(0, HOST_A), Map.of(), load)).isEmpty();
        assertThat(load).isEmpty();
    }
}
