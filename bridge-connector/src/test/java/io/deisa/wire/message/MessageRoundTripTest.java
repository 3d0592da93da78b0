package io.deisa.wire.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deisa.wire.FeedbackTable;
import io.deisa.wire.Frame;
import io.deisa.wire.Message;
import io.deisa.wire.Protocol;
import io.deisa.wire.ProtocolException;
import io.deisa.wire.RegistrationTest;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/** Every codec decodes what it encodes, and refuses truncated, padded and mistyped payloads. */
class MessageRoundTripTest {

    static Stream<Message> messages() {
        List<FeedbackTable.Entry> entries = List.of(
                new FeedbackTable.Entry("mean", 3, new byte[] {1, 2, 3}),
                new FeedbackTable.Entry("σ", Long.MAX_VALUE, new byte[0]));
        return Stream.of(
                Hello.of(Protocol.CHANNEL_CONTROL),
                new Hello((short) 9, Protocol.CHANNEL_DATA),
                new ErrorReason("the head serves the control and publish channels, not channel 2"),
                new ErrorReason(""),
                RegistrationTest.sample(),
                new Rejoin("3f2a9c01", false, 41, RegistrationTest.sample()),
                new Rejoin("", true, Long.MIN_VALUE, RegistrationTest.sample()),
                new CloseRun(-7),
                new Abort("Bridge 2 left: interrupted"),
                new FeedbackQuery("velocity", false, 42),
                new FeedbackQuery("", true, Long.MIN_VALUE),
                new BridgeStats(12, 3_000_000, 1 << 20, 250, 77),
                new BridgeFailed("reader asked for sequence 3, the bridge holds 9.."),
                new Registered(2, "run-ab12", true),
                new Registered(0, "", false),
                new Rejected("Bridges 0 and 1 both claim chunk position [0, 0]"),
                new Refused(true, "run ended: ..."),
                new Refused(false, "ρ"),
                new JobFailed("run 1a2b: Bridge 0 disconnected"),
                new Progress(Long.MAX_VALUE),
                new FeedbackReply(entries),
                new FeedbackReply(List.of()),
                new FinalFeedback(entries),
                new FeedbackValue(entries.get(0)),
                new RunStats(Long.MIN_VALUE, 1, 2, 3, 4, 5),
                new JobFailure("java.lang.AssertionError: expected 4"),
                new RunEnded(),
                new BeginTimestep(99),
                new Subscribe(3, 17, 1_700_000_000_000L),
                new Ack(0),
                new EndAck());
    }

    private static boolean isText(Message message) {
        return message instanceof ErrorReason || message instanceof Abort || message instanceof BridgeFailed
                || message instanceof Rejected || message instanceof JobFailed || message instanceof JobFailure;
    }

    @ParameterizedTest
    @MethodSource("messages")
    void decodesWhatItEncodes(Message message) throws ProtocolException {
        Message copy = Messages.decode(new Frame(message.type(), message.encode()));
        assertThat(copy).usingRecursiveComparison().isEqualTo(message);
        assertThat(copy.type()).isEqualTo(message.type());
    }

    @ParameterizedTest
    @MethodSource("messages")
    void everyTruncationIsAProtocolError(Message message) {
        byte[] payload = message.encode();
        // a text payload ends where the frame ends: every prefix of it is text, though maybe cut in a character
        int fixedPart = isText(message) ? 0 : message instanceof Refused ? 1 : payload.length;
        for (int length = 0; length < fixedPart; length++) {
            Frame truncated = new Frame(message.type(), Arrays.copyOf(payload, length));
            assertThatThrownBy(() -> Messages.decode(truncated))
                    .as("%s cut to %d bytes", truncated.name(), length)
                    .isInstanceOf(ProtocolException.class)
                    .hasMessageContaining(truncated.name());
        }
    }

    @ParameterizedTest
    @MethodSource("messages")
    void trailingBytesAreAProtocolError(Message message) {
        if (isText(message) || message instanceof Refused) {
            return;
        }
        byte[] payload = Arrays.copyOf(message.encode(), message.encode().length + 1);
        assertThatThrownBy(() -> Messages.decode(new Frame(message.type(), payload)))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("trailing");
    }

    @ParameterizedTest
    @MethodSource("messages")
    void aCodecRefusesAFrameOfAnotherType(Message message) {
        byte other = message.type() == Protocol.ACK ? Protocol.END_ACK : Protocol.ACK;
        Frame frame = new Frame(other, message.encode());
        assertThatThrownBy(() -> message.getClass().getMethod("decode", Frame.class).invoke(null, frame))
                .hasRootCauseInstanceOf(ProtocolException.class)
                .rootCause().hasMessageContaining("Expected a " + Protocol.frameName(message.type()));
    }

    @org.junit.jupiter.api.Test
    void aHelloWithAnotherMagicIsNotADeisaEndpoint() {
        byte[] payload = Hello.of(Protocol.CHANNEL_DATA).encode();
        payload[0] ^= 0x20;
        assertThatThrownBy(() -> Hello.decode(new Frame(Protocol.HELLO, payload)))
                .isInstanceOf(ProtocolException.class)
                .hasMessageStartingWith("not a deisa endpoint (magic 0x");
    }
}
