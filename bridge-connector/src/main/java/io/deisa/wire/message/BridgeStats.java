package io.deisa.wire.message;

import io.deisa.wire.Frame;
import io.deisa.wire.Message;
import io.deisa.wire.PayloadReader;
import io.deisa.wire.PayloadWriter;
import io.deisa.wire.Protocol;
import io.deisa.wire.ProtocolException;

/**
 * STATS, bridge to head, at most every 100 ms while it sends: what the job's metrics show about the
 * simulation side. Payload: {@code i64 newestTimestep | i64 blockedNanos | i64 retainedBytes | i64
 * oldestRetainedMillis | i64 retentionBlockedNanos}.
 *
 * @param newestTimestep the newest timestep the bridge sent
 * @param blockedNanos total time {@code send} waited for the analytics (back-pressure), ns
 * @param retainedBytes bytes of chunks kept until a completed checkpoint covers them
 * @param oldestRetainedMillis age of the oldest of those chunks, ms (0 when none)
 * @param retentionBlockedNanos total time {@code send} waited because its buffer bound was full of
 *     chunks kept for a replay (not back-pressure: the analytics had read them), ns
 */
public record BridgeStats(
        long newestTimestep, long blockedNanos, long retainedBytes, long oldestRetainedMillis,
        long retentionBlockedNanos) implements Message {
    @Override
    public byte type() {
        return Protocol.STATS;
    }

    @Override
    public byte[] encode() {
        return new PayloadWriter().putLong(newestTimestep).putLong(blockedNanos).putLong(retainedBytes)
                .putLong(oldestRetainedMillis).putLong(retentionBlockedNanos).toByteArray();
    }

    /** Decodes a STATS payload. */
    public static BridgeStats decode(Frame frame) throws ProtocolException {
        PayloadReader in = Message.expect(frame, Protocol.STATS);
        BridgeStats message = new BridgeStats(in.getLong(), in.getLong(), in.getLong(), in.getLong(), in.getLong());
        in.expectEnd();
        return message;
    }
}
