package io.deisa.wire;

import io.deisa.bridge.ArrayMetadata;
import io.deisa.bridge.DType;

/**
 * An array as one bridge declares it: its name and the metadata of the chunk that bridge owns.
 *
 * <p>Encoded the same way in REGISTER (one entry per array) and in the data channel's SCHEMA
 * frame ({@code docs/PROTOCOL.md}, sections 4.1 and 7):
 *
 * <pre>
 * string name | string dtype | i32[] chunkShape | i32[] chunksPerDim | i32[] chunkPosition | u32 chunksOfNode
 * </pre>
 *
 * {@code dtype} is the NumPy name ({@code float64}, ...); on read every spelling of {@link
 * DType#of} is accepted.
 *
 * @param name the array name
 * @param metadata the chunk metadata
 */
public record ArrayDeclaration(String name, ArrayMetadata metadata) {

    /** Appends this declaration to {@code out}. */
    public PayloadWriter encode(PayloadWriter out) {
        return out.putString(name)
                .putString(metadata.dtype().numpyName())
                .putIntArray(metadata.chunkShape())
                .putIntArray(metadata.chunksPerDim())
                .putIntArray(metadata.chunkPosition())
                .putInt(metadata.chunksOfNode());
    }

    /**
     * Reads one declaration from {@code in}.
     *
     * @param context names the frame and its sender in the error message
     * @throws ProtocolException when it is truncated or its metadata does not validate ({@link
     *     ArrayMetadata.Builder#build}), naming the array
     */
    public static ArrayDeclaration decode(PayloadReader in, String context) throws ProtocolException {
        String name = in.getString();
        try {
            ArrayMetadata md = ArrayMetadata.builder()
                    .dtype(DType.of(in.getString()))
                    .chunkShape(in.getIntArray())
                    .chunksPerDim(in.getIntArray())
                    .chunkPosition(in.getIntArray())
                    .chunksOfNode(in.getInt())
                    .build();
            return new ArrayDeclaration(name, md);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(context + ": invalid metadata for array '" + name + "': " + e.getMessage());
        }
    }
}
