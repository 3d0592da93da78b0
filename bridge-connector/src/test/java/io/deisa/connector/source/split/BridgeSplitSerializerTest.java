package io.deisa.connector.source.split;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

class BridgeSplitSerializerTest {
    private final BridgeSplitSerializer serializer = new BridgeSplitSerializer();

    private BridgeSplit roundTrip(BridgeSplit split) throws IOException {
        return serializer.deserialize(serializer.getVersion(), serializer.serialize(split));
    }

    @Test
    void splitsRoundTripWithEveryField() throws IOException {
        List<BridgeSplit> splits = List.of(
                new BridgeSplit(0, "127.0.0.1", 40001, 0),
                new BridgeSplit(17, "node-17.cluster.example.org", 65535, 123_456_789_012L),
                new BridgeSplit(Integer.MAX_VALUE, "::1", 1, Long.MAX_VALUE),
                new BridgeSplit(3, "nœud-ü", 29600, 42));
        for (BridgeSplit split : splits) {
            BridgeSplit copy = roundTrip(split);
            assertThat(copy).isEqualTo(split).isNotSameAs(split);
            assertThat(copy.bridgeId()).isEqualTo(split.bridgeId());
            assertThat(copy.host()).isEqualTo(split.host());
            assertThat(copy.port()).isEqualTo(split.port());
            assertThat(copy.nextSequence()).isEqualTo(split.nextSequence());
            assertThat(copy.splitId()).isEqualTo("bridge-" + split.bridgeId());
        }
    }

    @Test
    void splitStateCheckpointsItsProgress() throws IOException {
        BridgeSplitState state = new BridgeSplitState(new BridgeSplit(5, "h", 7, 10));
        assertThat(state.lastTimestep()).isEqualTo(Long.MIN_VALUE);
        state.advance(10, 3);
        state.advance(11, 2);
        assertThat(state.nextSequence()).isEqualTo(12);
        assertThat(state.lastTimestep()).isEqualTo(3);
        assertThat(roundTrip(state.toSplit())).isEqualTo(new BridgeSplit(5, "h", 7, 12));
    }

    @Test
    void versionIsOne() {
        assertThat(serializer.getVersion()).isEqualTo(BridgeSplitSerializer.CURRENT_VERSION).isEqualTo(1);
    }

    @Test
    void unknownVersionIsRejected() throws IOException {
        byte[] bytes = serializer.serialize(new BridgeSplit(1, "h", 2, 3));
        for (int version : new int[] {0, 2, -1}) {
            assertThatThrownBy(() -> serializer.deserialize(version, bytes))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("version " + version);
        }
    }

    @Test
    void truncatedBytesAreAnIOException() throws IOException {
        byte[] bytes = serializer.serialize(new BridgeSplit(1, "host", 2, 3));
        for (int cut = 0; cut < bytes.length; cut++) {
            byte[] truncated = Arrays.copyOf(bytes, cut);
            assertThatThrownBy(() -> serializer.deserialize(1, truncated))
                    .as("cut at %d", cut)
                    .isInstanceOf(IOException.class);
        }
    }
}
