package io.deisa.wire;

/** A frame of the data channel as the reader sees it. */
public sealed interface DataFrame {
    /**
     * A chunk of a declared array.
     *
     * @param array the array's declaration (from its SCHEMA frame)
     * @param sequence the bridge's frame sequence number
     * @param timestep the chunk's timestep
     * @param data the chunk's little-endian bytes
     */
    record Chunk(ArrayDeclaration array, long sequence, long timestep, byte[] data) implements DataFrame {}

    /**
     * The bridge finished.
     *
     * @param sequence the sequence number after the last chunk
     * @param lastTimestep the bridge's last timestep
     */
    record End(long sequence, long lastTimestep) implements DataFrame {}

    /**
     * The declaration of one of the bridge's arrays.
     *
     * @param array the array's declaration
     */
    record Schema(ArrayDeclaration array) implements DataFrame {}

    /**
     * The bridge starts a timestep: nothing older than {@code timestep} will come from it.
     *
     * @param timestep the timestep the bridge starts
     */
    record BeginTimestep(long timestep) implements DataFrame {}
}
