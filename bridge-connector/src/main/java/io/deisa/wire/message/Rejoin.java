package io.deisa.wire.message;

import io.deisa.wire.Frame;
import io.deisa.wire.Message;
import io.deisa.wire.PayloadReader;
import io.deisa.wire.PayloadWriter;
import io.deisa.wire.Protocol;
import io.deisa.wire.ProtocolException;
import io.deisa.wire.Registration;

import java.util.Arrays;

/**
 * REJOIN, bridge to head: a bridge that lost the head during a run (the job's coordinator failed
 * over and the head was recreated from the job's last checkpoint) registers again. Payload: {@code
 * string runId | u8 closed | i64 progress | REGISTER payload}.
 *
 * <p>A head that restored run {@code runId} takes the bridge back at once when its registration is
 * the one it holds (REGISTERED); a head still registering its world treats it as a registration;
 * anything else is refused or rejected as for REGISTER.
 *
 * @param runId the run the bridge was registered in
 * @param closed whether the bridge had closed the run ({@code close(timestep)} called) before it
 *     lost the head
 * @param progress the newest analytics progress the bridge saw ({@link Long#MIN_VALUE}: none): the
 *     restored head answers GET for timesteps up to it only once its own analytics progress is
 *     back there, so that a value the bridges read once never reads as missing
 * @param registration the bridge's registration, as first sent
 */
public record Rejoin(String runId, boolean closed, long progress, Registration registration) implements Message {
    @Override
    public byte type() {
        return Protocol.REJOIN;
    }

    @Override
    public byte[] encode() {
        byte[] prefix = new PayloadWriter().putString(runId).putByte(closed ? 1 : 0).putLong(progress).toByteArray();
        byte[] register = registration.encode();
        byte[] payload = Arrays.copyOf(prefix, prefix.length + register.length);
        System.arraycopy(register, 0, payload, prefix.length, register.length);
        return payload;
    }

    /** Decodes a REJOIN payload. */
    public static Rejoin decode(Frame frame) throws ProtocolException {
        PayloadReader in = Message.expect(frame, Protocol.REJOIN);
        String runId = in.getString();
        boolean closed = in.getByte() != 0;
        long progress = in.getLong();
        java.nio.ByteBuffer remainder = in.remainder();
        byte[] rest = new byte[remainder.remaining()];
        remainder.get(rest);
        try {
            return new Rejoin(runId, closed, progress, Registration.decode(new Frame(Protocol.REGISTER, rest)));
        } catch (ProtocolException e) {
            throw new ProtocolException("REJOIN: " + e.getMessage());
        }
    }
}
