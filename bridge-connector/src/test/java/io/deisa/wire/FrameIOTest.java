package io.deisa.wire;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

class FrameIOTest {
    private static final String PEER = "bridge 7 (10.1.2.3:4567)";

    private static byte[] frame(byte type, byte[] payload) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FrameIO.write(out, type, payload);
        return out.toByteArray();
    }

    private static byte[] hello(int magic, int version, int channel) throws IOException {
        return frame(Protocol.HELLO, new PayloadWriter().putInt(magic).putShort(version).putByte(channel).toByteArray());
    }

    private static ByteArrayInputStream in(byte[]... parts) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            all.write(part, 0, part.length);
        }
        return new ByteArrayInputStream(all.toByteArray());
    }

    @Test
    void frameLayoutIsLengthTypePayloadLittleEndian() throws IOException {
        byte[] bytes = frame(Protocol.REGISTER, new byte[] {9, 8, 7});
        assertThat(bytes).containsExactly(4, 0, 0, 0, Protocol.REGISTER, 9, 8, 7);
        assertThat(frame(Protocol.END_ACK, new byte[0])).containsExactly(1, 0, 0, 0, Protocol.END_ACK);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FrameIO.write(out, Protocol.CLOSE);
        assertThat(out.toByteArray()).containsExactly(1, 0, 0, 0, Protocol.CLOSE);
    }

    @Test
    void framesRoundTrip() throws IOException {
        byte[] big = new byte[70_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31);
        }
        ByteArrayInputStream in = in(frame(Protocol.REGISTER, big), frame(Protocol.END_ACK, new byte[0]));
        Frame first = FrameIO.read(in, 1 << 20);
        assertThat(first.type()).isEqualTo(Protocol.REGISTER);
        assertThat(first.name()).isEqualTo("REGISTER");
        assertThat(first.payload()).isEqualTo(big);
        Frame second = FrameIO.read(in, 1 << 20);
        assertThat(second.type()).isEqualTo(Protocol.END_ACK);
        assertThat(second.payload()).isEmpty();
        // a clean end between frames is an EOFException, not a protocol error
        assertThatThrownBy(() -> FrameIO.read(in, 1 << 20))
                .isExactlyInstanceOf(EOFException.class);
    }

    @Test
    void lengthsOutOfBoundsAreRefusedBeforeAllocating() {
        assertThatThrownBy(() -> FrameIO.read(in(new byte[] {0, 0, 0, 0}), 100))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("Frame length 0 is out of bounds (1..100)");
        assertThatThrownBy(() -> FrameIO.read(in(new byte[] {101, 0, 0, 0, 1}), 100))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("Frame length 101 is out of bounds");
        // a negative length is reported unsigned
        assertThatThrownBy(() -> FrameIO.read(in(new byte[] {-1, -1, -1, -1}), Integer.MAX_VALUE))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("Frame length 4294967295 is out of bounds");
        // an HTTP client knocking on the port: "GET " is a length of 542393671 bytes
        assertThatThrownBy(() -> FrameIO.read(in("GET / HTTP/1.1\r\n\r\n".getBytes(UTF_8)), Protocol.MAX_CONTROL_FRAME))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("Frame length 542393671 is out of bounds");
    }

    @Test
    void truncatedFramesAreProtocolErrors() throws IOException {
        byte[] bytes = frame(Protocol.REGISTER, new byte[] {1, 2, 3, 4, 5, 6});
        for (int cut = 1; cut < bytes.length; cut++) {
            byte[] truncated = Arrays.copyOf(bytes, cut);
            assertThatThrownBy(() -> FrameIO.read(in(truncated), 1 << 20))
                    .as("cut at %d", cut)
                    .isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("Connection closed in the middle of a");
        }
        // a lying length: claims 1000 bytes, sends 3
        assertThatThrownBy(() -> FrameIO.read(in(new byte[] {(byte) 0xE8, 3, 0, 0, 1, 2, 3}), 1 << 20))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("Connection closed in the middle of a frame of 1000 bytes");
    }

    @Test
    void skipFullyFailsAtTheEnd() throws IOException {
        ByteArrayInputStream in = in(new byte[10]);
        FrameIO.skipFully(in, 4, "chunk");
        assertThat(in.available()).isEqualTo(6);
        assertThatThrownBy(() -> FrameIO.skipFully(in, 7, "chunk body"))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("chunk body");
    }

    @Test
    void helloRoundTrips() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FrameIO.sendHello(out, Protocol.CHANNEL_DATA);
        byte[] bytes = out.toByteArray();
        ByteBuffer view = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(view.getInt()).isEqualTo(1 + 4 + 2 + 1);
        assertThat(view.get()).isEqualTo(Protocol.HELLO);
        assertThat(view.getInt()).isEqualTo(Protocol.MAGIC);
        assertThat(new String(bytes, 5, 4, UTF_8)).isEqualTo("DEIS");
        assertThat(view.getShort()).isEqualTo(Protocol.VERSION);
        assertThat(view.get()).isEqualTo(Protocol.CHANNEL_DATA);

        FrameIO.expectHello(in(bytes), Protocol.CHANNEL_DATA, PEER);
        assertThat(FrameIO.readHello(in(bytes), PEER)).isEqualTo(Protocol.CHANNEL_DATA);
    }

    @Test
    void wrongMagicNamesThePeer() {
        assertThatThrownBy(() -> FrameIO.expectHello(in(hello(0x12345678, 1, 1)), Protocol.CHANNEL_CONTROL, PEER))
                .isInstanceOf(ProtocolException.class)
                .hasMessage(PEER + " is not a deisa endpoint (magic 0x12345678)");
    }

    @Test
    void wrongVersionNamesThePeerAndBothVersions() {
        assertThatThrownBy(() -> FrameIO.expectHello(
                        in(hello(Protocol.MAGIC, 1, 1)), Protocol.CHANNEL_CONTROL, PEER))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining(PEER)
                .hasMessageContaining("speaks protocol version 1, this side speaks " + Protocol.VERSION);
    }

    @Test
    void wrongChannelNamesThePeer() {
        assertThatThrownBy(() -> FrameIO.expectHello(
                        in(hello(Protocol.MAGIC, Protocol.VERSION, Protocol.CHANNEL_DATA)), Protocol.CHANNEL_CONTROL, PEER))
                .isInstanceOf(ProtocolException.class)
                .hasMessage(PEER + " opened channel 2 where channel 1 was expected");
    }

    @Test
    void errorFrameInsteadOfHelloCarriesTheReason() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FrameIO.sendError(out, "this is bridge 3, not bridge 4 — désolé");
        assertThatThrownBy(() -> FrameIO.expectHello(in(out.toByteArray()), Protocol.CHANNEL_DATA, PEER))
                .isInstanceOf(ProtocolException.class)
                .hasMessage(PEER + " refused the connection: this is bridge 3, not bridge 4 — désolé");
    }

    @Test
    void otherFrameInsteadOfHelloNamesThePeer() {
        assertThatThrownBy(() -> FrameIO.expectHello(
                        in(frame(Protocol.REGISTER, new byte[4])), Protocol.CHANNEL_CONTROL, PEER))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("Expected HELLO from " + PEER + " but got REGISTER frame");
        assertThatThrownBy(() -> FrameIO.expectHello(
                        in(frame((byte) 0x7F, new byte[0])), Protocol.CHANNEL_CONTROL, PEER))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("but got unknown(0x7f) frame");
    }

    @Test
    void truncatedOrGarbledHelloNamesThePeer() throws IOException {
        // HELLO whose payload stops after the magic
        byte[] shortHello = frame(Protocol.HELLO, new PayloadWriter().putInt(Protocol.MAGIC).toByteArray());
        assertThatThrownBy(() -> FrameIO.expectHello(in(shortHello), Protocol.CHANNEL_CONTROL, PEER))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining(PEER)
                .hasMessageContaining("Truncated HELLO frame");
        // HELLO cut in the middle of the frame
        byte[] cut = Arrays.copyOf(hello(Protocol.MAGIC, 1, 1), 7);
        assertThatThrownBy(() -> FrameIO.expectHello(in(cut), Protocol.CHANNEL_CONTROL, PEER))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining(PEER)
                .hasMessageContaining("Connection closed");
        // not our protocol at all
        assertThatThrownBy(() -> FrameIO.expectHello(
                        in("GET / HTTP/1.1\r\n".getBytes(UTF_8)), Protocol.CHANNEL_CONTROL, PEER))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining(PEER)
                .hasMessageContaining("out of bounds");
    }

    @Test
    void helpers() {
        byte[] bytes = new byte[6];
        FrameIO.putIntLE(bytes, 1, 0x0A0B0C0D);
        assertThat(bytes).containsExactly(0, 0x0D, 0x0C, 0x0B, 0x0A, 0);
        assertThat(FrameIO.errorReason(new Frame(Protocol.ERROR, "nope ✓".getBytes(UTF_8)))).isEqualTo("nope ✓");
        assertThat(Protocol.frameName(Protocol.CHUNK)).isEqualTo("CHUNK");
        assertThat(Protocol.frameName((byte) 0xEE)).isEqualTo("unknown(0xee)");
    }
}
