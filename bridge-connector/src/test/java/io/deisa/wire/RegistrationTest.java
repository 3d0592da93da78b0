package io.deisa.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deisa.bridge.ArrayMetadata;
import io.deisa.bridge.DType;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

public class RegistrationTest {

    public static Registration sample() {
        return new Registration(3, 8, "sim-a", "10.0.0.17", 41234, "node-17.cluster",
                List.of(
                        new ArrayDeclaration("temperature", ArrayMetadata.builder()
                                .dtype(DType.FLOAT64).chunkShape(64, 32).chunksPerDim(2, 4).chunkPosition(0, 3)
                                .chunksOfNode(4).build()),
                        new ArrayDeclaration("pressure", ArrayMetadata.builder()
                                .dtype(DType.UINT16).chunkShape(5).chunksPerDim(8).chunkPosition(3).build()),
                        new ArrayDeclaration("ρ", ArrayMetadata.builder()
                                .dtype(DType.INT8).chunkShape(1, 2, 3).chunksPerDim(1, 1, 8).chunkPosition(0, 0, 7)
                                .build())));
    }

    private static Frame register(byte[] payload) {
        return new Frame(Protocol.REGISTER, payload);
    }

    @Test
    void registerRoundTrips() throws ProtocolException {
        Registration registration = sample();
        Registration copy = Registration.decode(register(registration.encode()));
        assertThat(copy).isEqualTo(registration);
        assertThat(copy.bridgeId()).isEqualTo(3);
        assertThat(copy.worldSize()).isEqualTo(8);
        assertThat(copy.dataHost()).isEqualTo("10.0.0.17");
        assertThat(copy.dataPort()).isEqualTo(41234);
        assertThat(copy.host()).isEqualTo("node-17.cluster");
        assertThat(copy.arrays()).extracting(ArrayDeclaration::name).containsExactly("temperature", "pressure", "ρ");
        ArrayMetadata md = copy.arrays().get(0).metadata();
        assertThat(md.chunkShape()).containsExactly(64, 32);
        assertThat(md.chunksPerDim()).containsExactly(2, 4);
        assertThat(md.chunkPosition()).containsExactly(0, 3);
        assertThat(md.chunksOfNode()).isEqualTo(4);
        assertThat(md.dtype()).isEqualTo(DType.FLOAT64);
    }

    @Test
    void registrationWithoutArraysRoundTrips() throws ProtocolException {
        Registration empty = new Registration(0, 1, "sim-b", "127.0.0.1", 1, "localhost", List.of());
        assertThat(Registration.decode(register(empty.encode()))).isEqualTo(empty);
    }

    @Test
    void truncatedRegisterIsAlwaysAProtocolError() {
        byte[] payload = sample().encode();
        for (int cut = 0; cut < payload.length; cut++) {
            byte[] truncated = Arrays.copyOf(payload, cut);
            assertThatThrownBy(() -> Registration.decode(register(truncated)))
                    .as("cut at %d of %d", cut, payload.length)
                    .isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("REGISTER");
        }
    }

    @Test
    void trailingBytesAreAProtocolError() {
        byte[] payload = Arrays.copyOf(sample().encode(), sample().encode().length + 1);
        assertThatThrownBy(() -> Registration.decode(register(payload)))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("1 unexpected trailing bytes");
    }

    private static PayloadWriter header(int arrayCount) {
        return new PayloadWriter().putInt(5).putInt(8).putString("sim").putString("h").putInt(1).putString("h")
                .putInt(arrayCount);
    }

    @Test
    void absurdArrayCountsAreRefused() {
        for (int count : new int[] {-1, 65_536, Integer.MAX_VALUE}) {
            assertThatThrownBy(() -> Registration.decode(register(header(count).toByteArray())))
                    .isInstanceOf(ProtocolException.class)
                    .hasMessage("REGISTER of bridge 5 declares " + count + " arrays");
        }
        // a plausible count with nothing behind it
        assertThatThrownBy(() -> Registration.decode(register(header(65_535).toByteArray())))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("Truncated REGISTER frame");
    }

    @Test
    void invalidMetadataIsAProtocolErrorNamingTheArray() {
        byte[] badDtype = header(1).putString("velocity").putString("complex128")
                .putIntArray(new int[] {4}).putIntArray(new int[] {2}).putIntArray(new int[] {0}).putInt(1)
                .toByteArray();
        assertThatThrownBy(() -> Registration.decode(register(badDtype)))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("REGISTER of bridge 5: invalid metadata for array 'velocity'")
                .hasMessageContaining("complex128");
        byte[] outsideGrid = header(1).putString("velocity").putString("f8")
                .putIntArray(new int[] {4}).putIntArray(new int[] {2}).putIntArray(new int[] {2}).putInt(1)
                .toByteArray();
        assertThatThrownBy(() -> Registration.decode(register(outsideGrid)))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("'velocity'")
                .hasMessageContaining("chunkPosition[0] = 2");
        byte[] rankMismatch = header(1).putString("velocity").putString("f8")
                .putIntArray(new int[] {4, 4}).putIntArray(new int[] {2}).putIntArray(new int[] {0}).putInt(1)
                .toByteArray();
        assertThatThrownBy(() -> Registration.decode(register(rankMismatch)))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("rank");
        byte[] zeroNode = header(1).putString("velocity").putString("f8")
                .putIntArray(new int[] {4}).putIntArray(new int[] {2}).putIntArray(new int[] {0}).putInt(0)
                .toByteArray();
        assertThatThrownBy(() -> Registration.decode(register(zeroNode)))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("chunksOfNode");
    }

    @Test
    void lyingStringLengthIsAProtocolError() {
        byte[] payload = new PayloadWriter().putInt(5).putInt(8).putInt(1 << 30).toByteArray();
        assertThatThrownBy(() -> Registration.decode(register(payload)))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("Bad byte string length 1073741824 in REGISTER frame");
    }
}
