package io.deisa.connector.source.head;

import io.deisa.wire.FeedbackTable;
import io.deisa.wire.Frame;
import io.deisa.wire.PayloadReader;
import io.deisa.wire.PayloadWriter;
import io.deisa.wire.Protocol;
import io.deisa.wire.ProtocolException;
import io.deisa.wire.Registration;

import org.apache.flink.annotation.Internal;

import java.util.ArrayList;
import java.util.List;

/**
 * What a head must know to take a run over after the job's coordinator failed over: the run's
 * identity, its registered world, and the feedback it retains. Checkpointed with the enumerator;
 * a head built from it accepts the bridges' REJOIN and answers GET as before the failover.
 *
 * <p>Encoding: {@code string runId | string simulationId | u32 n | n × bytes REGISTER payload |
 * FEEDBACK_REPLY payload}; the simulation id is empty before the first registration.
 *
 * @param runId the run's identity, told to the bridges
 * @param simulationId the simulation the bridges belong to, empty before the first registration
 * @param world every registration, by bridge id, once the world is complete; empty before
 * @param feedback the retained feedback, by key then timestep
 */
@Internal
public record HeadRun(String runId, String simulationId, List<Registration> world, List<FeedbackTable.Entry> feedback) {
    /** Encodes this run for a checkpoint. */
    public byte[] encode() {
        PayloadWriter out = new PayloadWriter().putString(runId).putString(simulationId).putInt(world.size());
        for (Registration registration : world) {
            out.putBytes(registration.encode());
        }
        byte[] table = FeedbackTable.encode(feedback);
        byte[] head = out.toByteArray();
        byte[] all = java.util.Arrays.copyOf(head, head.length + table.length);
        System.arraycopy(table, 0, all, head.length, table.length);
        return all;
    }

    /** Decodes a run written by {@link #encode()}. */
    public static HeadRun decode(byte[] bytes) throws ProtocolException {
        PayloadReader in = new PayloadReader(bytes, "head run");
        String runId = in.getString();
        String simulationId = in.getString();
        int count = in.getInt();
        if (count < 0 || count > bytes.length) {
            throw new ProtocolException("Corrupt head run: " + count + " registrations");
        }
        List<Registration> world = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            world.add(Registration.decode(new Frame(Protocol.REGISTER, in.getBytes())));
        }
        return new HeadRun(runId, simulationId, List.copyOf(world), FeedbackTable.decode(in));
    }
}
