package io.deisa.wire.message;

import io.deisa.wire.Frame;
import io.deisa.wire.Message;
import io.deisa.wire.Protocol;
import io.deisa.wire.ProtocolException;
import io.deisa.wire.Registration;

/**
 * Decodes any frame that has a {@link Message} codec: every control and publish frame, and the
 * reader's frames of the data channel. SCHEMA, CHUNK and END carry Arrow IPC messages and are read
 * by {@code DataFrameReader}.
 */
public final class Messages {
    private Messages() {}

    /**
     * Decodes {@code frame} with the codec of its type.
     *
     * @throws ProtocolException when the type has no codec here or the payload is malformed
     */
    public static Message decode(Frame frame) throws ProtocolException {
        switch (frame.type()) {
            case Protocol.HELLO: return Hello.decode(frame);
            case Protocol.ERROR: return ErrorReason.decode(frame);
            case Protocol.REGISTER: return Registration.decode(frame);
            case Protocol.REJOIN: return Rejoin.decode(frame);
            case Protocol.CLOSE: return CloseRun.decode(frame);
            case Protocol.ABORT: return Abort.decode(frame);
            case Protocol.GET: return FeedbackQuery.decode(frame);
            case Protocol.STATS: return BridgeStats.decode(frame);
            case Protocol.BRIDGE_FAILED: return BridgeFailed.decode(frame);
            case Protocol.REGISTERED: return Registered.decode(frame);
            case Protocol.REJECTED: return Rejected.decode(frame);
            case Protocol.REFUSED: return Refused.decode(frame);
            case Protocol.JOB_FAILED: return JobFailed.decode(frame);
            case Protocol.PROGRESS: return Progress.decode(frame);
            case Protocol.FEEDBACK_REPLY: return FeedbackReply.decode(frame);
            case Protocol.FINAL: return FinalFeedback.decode(frame);
            case Protocol.FEEDBACK: return FeedbackValue.decode(frame);
            case Protocol.RUN_STATS: return RunStats.decode(frame);
            case Protocol.FAILURE: return JobFailure.decode(frame);
            case Protocol.RUN_ENDED: return RunEnded.decode(frame);
            case Protocol.BEGIN_TIMESTEP: return BeginTimestep.decode(frame);
            case Protocol.SUBSCRIBE: return Subscribe.decode(frame);
            case Protocol.ACK: return Ack.decode(frame);
            case Protocol.END_ACK: return EndAck.decode(frame);
            default: throw new ProtocolException("No codec for a " + frame.name() + " frame");
        }
    }
}
