package io.deisa.job;

import io.deisa.bridge.comm.Communicator;

import java.nio.charset.StandardCharsets;

/**
 * A communicator of one process that claims to be rank {@code rank} of {@code worldSize}: what a
 * mis-launched process looks like to the head. Its barrier returns at once and its broadcasts from
 * other ranks answer {@code "stray"}, so every stray process announces the simulation id "stray".
 */
final class StrayCommunicator implements Communicator {
    private final int rank;
    private final int worldSize;

    StrayCommunicator(int rank, int worldSize) {
        this.rank = rank;
        this.worldSize = worldSize;
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int worldSize() {
        return worldSize;
    }

    @Override
    public void barrier() {}

    @Override
    public byte[] broadcast(byte[] data, int root) {
        return root == rank ? data : "stray".getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {}
}
