package io.deisa.wire;

import java.util.ArrayList;
import java.util.List;

/**
 * Payload of a REGISTER frame: who the bridge is, where its data endpoint listens, and the arrays
 * it will send.
 *
 * <pre>
 * u32 bridgeId | u32 worldSize | string simulationId | string dataHost | u32 dataPort | string host
 * | u32 arrayCount | arrayCount × (string name | string dtype | i32[] chunkShape
 *                                 | i32[] chunksPerDim | i32[] chunkPosition | u32 chunksOfNode)
 * </pre>
 *
 * @param bridgeId the bridge's id
 * @param worldSize the number of bridges the bridge expects
 * @param simulationId the identity of the simulation the bridge belongs to: chosen by bridge 0 and
 *     broadcast to every bridge of the simulation, so that a head never mixes bridges of two
 *     simulations in one run
 * @param dataHost the address its data endpoint is reachable at
 * @param dataPort the port of its data endpoint
 * @param host the bridge's host name, used to place readers next to it
 * @param arrays the arrays it declares
 */
public record Registration(
        int bridgeId, int worldSize, String simulationId, String dataHost, int dataPort, String host,
        List<ArrayDeclaration> arrays) implements Message {

    @Override
    public byte type() {
        return Protocol.REGISTER;
    }

    /** Encodes the REGISTER payload. */
    @Override
    public byte[] encode() {
        PayloadWriter out = new PayloadWriter()
                .putInt(bridgeId)
                .putInt(worldSize)
                .putString(simulationId)
                .putString(dataHost)
                .putInt(dataPort)
                .putString(host)
                .putInt(arrays.size());
        for (ArrayDeclaration array : arrays) {
            array.encode(out);
        }
        return out.toByteArray();
    }

    /** Decodes a REGISTER payload; metadata that does not validate is a {@link ProtocolException}. */
    public static Registration decode(Frame frame) throws ProtocolException {
        PayloadReader in = Message.expect(frame, Protocol.REGISTER);
        int bridgeId = in.getInt();
        int worldSize = in.getInt();
        String simulationId = in.getString();
        String dataHost = in.getString();
        int dataPort = in.getInt();
        String host = in.getString();
        int count = in.getInt();
        if (count < 0 || count > 65_535) {
            throw new ProtocolException("REGISTER of bridge " + bridgeId + " declares " + count + " arrays");
        }
        // the count is only a claim: do not size anything by it before the arrays are read
        List<ArrayDeclaration> arrays = new ArrayList<>(Math.min(count, 16));
        for (int i = 0; i < count; i++) {
            arrays.add(ArrayDeclaration.decode(in, "REGISTER of bridge " + bridgeId));
        }
        in.expectEnd();
        return new Registration(bridgeId, worldSize, simulationId, dataHost, dataPort, host, List.copyOf(arrays));
    }
}
