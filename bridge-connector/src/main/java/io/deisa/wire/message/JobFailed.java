package io.deisa.wire.message;

import io.deisa.wire.Frame;
import io.deisa.wire.Message;
import io.deisa.wire.PayloadReader;
import io.deisa.wire.PayloadWriter;
import io.deisa.wire.Protocol;
import io.deisa.wire.ProtocolException;

/**
 * JOB_FAILED, head to bridge: the run failed ({@code run <id>: <cause>}); the bridge's waits end with the cause. Payload: {@code text}, UTF-8 to the end of the frame.
 *
 * @param reason the human-readable reason
 */
public record JobFailed(String reason) implements Message {
    @Override
    public byte type() {
        return Protocol.JOB_FAILED;
    }

    @Override
    public byte[] encode() {
        return new PayloadWriter().putText(reason).toByteArray();
    }

    /** Decodes a JOB_FAILED payload. */
    public static JobFailed decode(Frame frame) throws ProtocolException {
        PayloadReader in = Message.expect(frame, Protocol.JOB_FAILED);
        return new JobFailed(in.getRemainingText());
    }
}
