package io.deisa.connector.source.split;

import org.apache.flink.annotation.Internal;
import org.apache.flink.core.io.SimpleVersionedSerializer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/** Checkpoint format of {@link BridgeSplit}: {@code int id | UTF host | int port | long next}. */
@Internal
public final class BridgeSplitSerializer implements SimpleVersionedSerializer<BridgeSplit> {
    /** Version written by {@link #serialize}. */
    public static final int CURRENT_VERSION = 1;

    @Override
    public int getVersion() {
        return CURRENT_VERSION;
    }

    @Override
    public byte[] serialize(BridgeSplit split) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(32);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            write(split, out);
        }
        return bytes.toByteArray();
    }

    /** Writes {@code split} to {@code out}. */
    public static void write(BridgeSplit split, DataOutputStream out) throws IOException {
        out.writeInt(split.bridgeId());
        out.writeUTF(split.host());
        out.writeInt(split.port());
        out.writeLong(split.nextSequence());
    }

    @Override
    public BridgeSplit deserialize(int version, byte[] serialized) throws IOException {
        if (version != CURRENT_VERSION) {
            throw new IOException("Unknown BridgeSplit serializer version " + version);
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
            return read(in);
        }
    }

    /** Reads a split written by {@link #write}. */
    public static BridgeSplit read(DataInputStream in) throws IOException {
        return new BridgeSplit(in.readInt(), in.readUTF(), in.readInt(), in.readLong());
    }
}
