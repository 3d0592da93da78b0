package io.deisa.connector.source.enumerator;

import io.deisa.connector.source.split.BridgeSplit;
import io.deisa.connector.source.split.BridgeSplitSerializer;

import io.deisa.connector.source.head.HeadRun;
import io.deisa.wire.ProtocolException;

import org.apache.flink.annotation.Internal;
import org.apache.flink.core.io.SimpleVersionedSerializer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Checkpoint format of {@link BridgeEnumeratorState}, version 2: {@code bool allAssigned | int n | n
 * splits | int runLength | run} where {@code run} is {@link HeadRun#encode()} and a length of -1
 * means no run. Version 1 (without the run) is still read.
 */
@Internal
public final class BridgeEnumeratorStateSerializer implements SimpleVersionedSerializer<BridgeEnumeratorState> {
    /** Version written by {@link #serialize}. */
    public static final int CURRENT_VERSION = 2;

    @Override
    public int getVersion() {
        return CURRENT_VERSION;
    }

    @Override
    public byte[] serialize(BridgeEnumeratorState state) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeBoolean(state.allAssigned());
            out.writeInt(state.pendingSplits().size());
            for (BridgeSplit split : state.pendingSplits()) {
                BridgeSplitSerializer.write(split, out);
            }
            if (state.run() == null) {
                out.writeInt(-1);
            } else {
                byte[] run = state.run().encode();
                out.writeInt(run.length);
                out.write(run);
            }
        }
        return bytes.toByteArray();
    }

    @Override
    public BridgeEnumeratorState deserialize(int version, byte[] serialized) throws IOException {
        if (version != 1 && version != CURRENT_VERSION) {
            throw new IOException("Unknown bridge enumerator state version " + version);
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
            boolean allAssigned = in.readBoolean();
            int count = in.readInt();
            if (count < 0 || count > serialized.length) {
                throw new IOException("Corrupt bridge enumerator state: " + count + " splits");
            }
            List<BridgeSplit> splits = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                splits.add(BridgeSplitSerializer.read(in));
            }
            HeadRun run = null;
            int runLength = version == 1 ? -1 : in.readInt();
            if (runLength > serialized.length) {
                throw new IOException("Corrupt bridge enumerator state: a run of " + runLength + " bytes");
            }
            if (runLength >= 0) {
                byte[] bytes = new byte[runLength];
                in.readFully(bytes);
                try {
                    run = HeadRun.decode(bytes);
                } catch (ProtocolException e) {
                    throw new IOException("Corrupt bridge enumerator state: " + e.getMessage(), e);
                }
            }
            return new BridgeEnumeratorState(List.copyOf(splits), allAssigned, run);
        }
    }
}
