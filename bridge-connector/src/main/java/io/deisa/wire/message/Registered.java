package io.deisa.wire.message;

import io.deisa.wire.Frame;
import io.deisa.wire.Message;
import io.deisa.wire.PayloadReader;
import io.deisa.wire.PayloadWriter;
import io.deisa.wire.Protocol;
import io.deisa.wire.ProtocolException;

/**
 * REGISTERED, head to bridge: every bridge of the world registered consistently (or, after a
 * REJOIN, the head took the bridge back). Payload: {@code u32 maxSimulationAhead | string runId |
 * u8 replay}.
 *
 * @param maxSimulationAhead how many timesteps the simulation may run ahead of the analytics
 * @param runId the head's name for the run, named in its failures
 * @param replay whether the job takes checkpoints: the bridge then keeps its chunks until an ACK
 *     says a completed checkpoint covers them, for a replay after a restart
 */
public record Registered(int maxSimulationAhead, String runId, boolean replay) implements Message {
    @Override
    public byte type() {
        return Protocol.REGISTERED;
    }

    @Override
    public byte[] encode() {
        return new PayloadWriter().putInt(maxSimulationAhead).putString(runId).putByte(replay ? 1 : 0).toByteArray();
    }

    /** Decodes a REGISTERED payload. */
    public static Registered decode(Frame frame) throws ProtocolException {
        PayloadReader in = Message.expect(frame, Protocol.REGISTERED);
        Registered message = new Registered(in.getInt(), in.getString(), in.getByte() != 0);
        in.expectEnd();
        return message;
    }
}
