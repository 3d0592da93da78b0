package io.deisa.wire.message;

import io.deisa.wire.Frame;
import io.deisa.wire.Message;
import io.deisa.wire.PayloadReader;
import io.deisa.wire.PayloadWriter;
import io.deisa.wire.Protocol;
import io.deisa.wire.ProtocolException;

/**
 * RUN_STATS, head to publisher: the simulation side of the run, for the job's metrics. Payload:
 * six {@code i64}, in the order of the components.
 *
 * @param newestTimestep the newest timestep any bridge sent ({@link Long#MIN_VALUE} before the first)
 * @param blockedMillis time bridges waited in {@code send} for the analytics, summed over bridges, ms
 * @param registrationsRefused registrations refused during the run (intruders)
 * @param retainedBytes bytes bridges keep until a completed checkpoint covers them, summed
 * @param oldestRetainedMillis age of the oldest chunk any bridge keeps, ms
 * @param retentionBlockedMillis time bridges waited in {@code send} because their bound was full
 *     of retained chunks, summed over bridges, ms
 */
public record RunStats(
        long newestTimestep, long blockedMillis, long registrationsRefused, long retainedBytes,
        long oldestRetainedMillis, long retentionBlockedMillis) implements Message {
    /** Before the head sent any statistics. */
    public static final RunStats NONE = new RunStats(Long.MIN_VALUE, 0, 0, 0, 0, 0);

    @Override
    public byte type() {
        return Protocol.RUN_STATS;
    }

    @Override
    public byte[] encode() {
        return new PayloadWriter().putLong(newestTimestep).putLong(blockedMillis).putLong(registrationsRefused)
                .putLong(retainedBytes).putLong(oldestRetainedMillis).putLong(retentionBlockedMillis).toByteArray();
    }

    /** Decodes a RUN_STATS payload. */
    public static RunStats decode(Frame frame) throws ProtocolException {
        PayloadReader in = Message.expect(frame, Protocol.RUN_STATS);
        RunStats message = new RunStats(in.getLong(), in.getLong(), in.getLong(), in.getLong(), in.getLong(),
                in.getLong());
        in.expectEnd();
        return message;
    }
}
