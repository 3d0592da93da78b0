package io.deisa.connector.source.enumerator;

import io.deisa.connector.source.split.BridgeSplit;
import io.deisa.connector.source.split.BridgeSplitSerializer;

import org.apache.flink.annotation.Internal;
import org.apache.flink.core.io.SimpleVersionedSerializer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Checkpoint format of {@link BridgeEnumeratorState}: {@code bool allAssigned | int n | n splits}. */
@Internal
public final class BridgeEnumeratorStateSerializer implements SimpleVersionedSerializer<BridgeEnumeratorState> {
    /** Version written by {@link #serialize}. */
    public static final int CURRENT_VERSION = 1;

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
        }
        return bytes.toByteArray();
    }

    @Override
    public BridgeEnumeratorState deserialize(int version, byte[] serialized) throws IOException {
        if (version != CURRENT_VERSION) {
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
            return new BridgeEnumeratorState(List.copyOf(splits), allAssigned);
        }
    }
}
