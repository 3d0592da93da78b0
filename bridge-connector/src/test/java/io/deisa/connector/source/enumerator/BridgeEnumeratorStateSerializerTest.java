package io.deisa.connector.source.enumerator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deisa.connector.source.split.BridgeSplit;

import io.deisa.connector.source.head.HeadRun;
import io.deisa.wire.FeedbackTable;
import io.deisa.wire.RegistrationTest;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;

class BridgeEnumeratorStateSerializerTest {
    private final BridgeEnumeratorStateSerializer serializer = new BridgeEnumeratorStateSerializer();

    private BridgeEnumeratorState roundTrip(BridgeEnumeratorState state) throws IOException {
        return serializer.deserialize(serializer.getVersion(), serializer.serialize(state));
    }

    @Test
    void initialStateRoundTrips() throws IOException {
        BridgeEnumeratorState copy = roundTrip(BridgeEnumeratorState.initial());
        assertThat(copy.pendingSplits()).isEmpty();
        assertThat(copy.allAssigned()).isFalse();
        assertThat(copy).isEqualTo(BridgeEnumeratorState.initial());
    }

    @Test
    void pendingSplitsAndFlagRoundTripInOrder() throws IOException {
        List<BridgeSplit> splits = List.of(
                new BridgeSplit(2, "10.0.0.2", 41000, 7),
                new BridgeSplit(0, "node0.example.org", 41001, 0),
                new BridgeSplit(1, "::1", 41002, Long.MAX_VALUE));
        for (boolean allAssigned : new boolean[] {false, true}) {
            BridgeEnumeratorState state = new BridgeEnumeratorState(splits, allAssigned, null);
            BridgeEnumeratorState copy = roundTrip(state);
            assertThat(copy).isEqualTo(state);
            assertThat(copy.allAssigned()).isEqualTo(allAssigned);
            assertThat(copy.pendingSplits()).containsExactlyElementsOf(splits);
        }
    }

    @Test
    void unknownVersionIsRejected() throws IOException {
        byte[] bytes = serializer.serialize(BridgeEnumeratorState.initial());
        assertThat(serializer.getVersion()).isEqualTo(BridgeEnumeratorStateSerializer.CURRENT_VERSION);
        for (int version : new int[] {0, 3, 99}) {
            assertThatThrownBy(() -> serializer.deserialize(version, bytes))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("version " + version);
        }
    }

    @Test
    void corruptSplitCountIsAnIOExceptionNotAnAllocation() throws IOException {
        for (int count : new int[] {-1, Integer.MAX_VALUE, 1_000_000}) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeBoolean(true);
                out.writeInt(count);
            }
            assertThatThrownBy(() -> serializer.deserialize(1, bytes.toByteArray()))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(count + " splits");
        }
    }

    @Test
    void truncatedStateIsAnIOException() throws IOException {
        byte[] bytes = serializer.serialize(
                new BridgeEnumeratorState(List.of(new BridgeSplit(1, "host", 2, 3)), false, run()));
        for (int cut = 0; cut < bytes.length; cut++) {
            byte[] truncated = Arrays.copyOf(bytes, cut);
            assertThatThrownBy(() -> serializer.deserialize(BridgeEnumeratorStateSerializer.CURRENT_VERSION, truncated))
                    .as("cut at %d", cut)
                    .isInstanceOf(IOException.class);
        }
    }

    private static HeadRun run() {
        return new HeadRun("run-1", "sim-a", List.of(RegistrationTest.sample()),
                List.of(new FeedbackTable.Entry("mean", 4, new byte[] {9, 8})));
    }

    @Test
    void theHeadsRunRoundTrips() throws IOException {
        BridgeEnumeratorState state = new BridgeEnumeratorState(List.of(), true, run());
        BridgeEnumeratorState copy = roundTrip(state);
        assertThat(copy.run().runId()).isEqualTo("run-1");
        assertThat(copy.run().simulationId()).isEqualTo("sim-a");
        assertThat(copy.run().world()).containsExactly(RegistrationTest.sample());
        assertThat(copy.run().feedback()).singleElement().satisfies(entry -> {
            assertThat(entry.key()).isEqualTo("mean");
            assertThat(entry.timestep()).isEqualTo(4);
            assertThat(entry.value()).containsExactly(9, 8);
        });
    }

    @Test
    void aVersion1StateHasNoRun() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeBoolean(true);
            out.writeInt(0);
        }
        BridgeEnumeratorState state = serializer.deserialize(1, bytes.toByteArray());
        assertThat(state.allAssigned()).isTrue();
        assertThat(state.run()).isNull();
    }
}
