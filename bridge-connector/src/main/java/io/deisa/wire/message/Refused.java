package io.deisa.wire.message;

import io.deisa.wire.Frame;
import io.deisa.wire.Message;
import io.deisa.wire.PayloadReader;
import io.deisa.wire.PayloadWriter;
import io.deisa.wire.Protocol;
import io.deisa.wire.ProtocolException;

/**
 * REFUSED, head to bridge: the registration does not belong to the head's run, which goes on.
 * Payload: {@code u8 retry | text reason}. With {@code retry} (the head's run has ended or failed)
 * the bridge tries again until its connect timeout, for the next analytics job on that address;
 * without it (the head runs another simulation's complete world) the bridge gives up at once.
 *
 * @param retry whether trying again later may succeed
 * @param reason why, naming the head's run and the bridge
 */
public record Refused(boolean retry, String reason) implements Message {
    @Override
    public byte type() {
        return Protocol.REFUSED;
    }

    @Override
    public byte[] encode() {
        return new PayloadWriter().putByte(retry ? 1 : 0).putText(reason).toByteArray();
    }

    /** Decodes a REFUSED payload. */
    public static Refused decode(Frame frame) throws ProtocolException {
        PayloadReader in = Message.expect(frame, Protocol.REFUSED);
        boolean retry = in.getByte() != 0;
        return new Refused(retry, in.getRemainingText());
    }
}
