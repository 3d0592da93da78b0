package io.deisa.bridge.internal;

import io.deisa.bridge.DeisaException;
import io.deisa.bridge.Feedback;
import io.deisa.wire.FeedbackCodec;
import io.deisa.wire.FeedbackTable;
import io.deisa.wire.PayloadReader;
import io.deisa.wire.PayloadWriter;
import io.deisa.wire.ProtocolException;

import java.util.ArrayList;
import java.util.List;

/**
 * What bridge 0 broadcasts to the other bridges in a collective {@code get}: either the feedback
 * entries it obtained ({@code u8 0 | entry list}) or the error it met ({@code u8 1 | string}), so
 * that every bridge returns the same result or raises the same error and none waits forever.
 */
public final class FeedbackAnswer {
    /** The query bridge 0 runs. */
    @FunctionalInterface
    public interface Query {
        /** The entries, or an exception. */
        List<FeedbackTable.Entry> run() throws Exception;
    }

    private FeedbackAnswer() {}

    /** Runs {@code query} and encodes its outcome, success or failure. */
    public static byte[] ask(Query query) {
        try {
            return new PayloadWriter().putByte(0).putBytes(FeedbackTable.encode(query.run())).toByteArray();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failure("interrupted while reading feedback");
        } catch (Exception e) {
            return failure(e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    private static byte[] failure(String message) {
        return new PayloadWriter().putByte(1).putString(message).toByteArray();
    }

    /**
     * Decodes an answer into {@link Feedback} values.
     *
     * @throws DeisaException carrying bridge 0's error
     */
    public static List<Feedback> decode(byte[] answer, int bridgeId, String name) {
        try {
            PayloadReader in = new PayloadReader(answer, "feedback answer");
            if (in.getByte() != 0) {
                throw new DeisaException("Bridge " + bridgeId + " could not get feedback '" + name + "': "
                        + in.getString());
            }
            List<Feedback> values = new ArrayList<>();
            for (FeedbackTable.Entry entry : FeedbackTable.decode(new PayloadReader(in.getBytes(), "feedback entries"))) {
                values.add(new Feedback(entry.timestep(), FeedbackCodec.decode(entry.value())));
            }
            return List.copyOf(values);
        } catch (ProtocolException | IllegalArgumentException e) {
            throw new DeisaException("Bridge " + bridgeId + " received a malformed feedback answer for '" + name
                    + "': " + e.getMessage(), e);
        }
    }
}
