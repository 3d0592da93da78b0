package io.deisa.job;

import io.deisa.bridge.ArrayMetadata;
import io.deisa.bridge.Bridge;
import io.deisa.bridge.ContractError;
import io.deisa.bridge.DType;
import io.deisa.bridge.SystemMetadata;
import io.deisa.bridge.comm.CollectiveMismatchException;
import io.deisa.bridge.comm.CommunicatorException;
import io.deisa.bridge.comm.MpiCommunicator;

import mpi.MPI;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;

/**
 * An MPI simulation for {@link MpiITCase}, started by {@code mpirun -np 4}: each rank checks the
 * {@link MpiCommunicator} collectives (barrier, broadcast, checkSameCall), then creates a {@link Bridge} over {@code MPI.COMM_WORLD} on
 * a 2 x 2 grid of 1 x 1 int32 chunks (rank r at (r / 2, r % 2)), sends chunk {@code t * (rank + 1)}
 * of array "array" for t = 0..4, prints {@code rank r: close(5) = 5} and finalizes MPI.
 *
 * <p>With the second argument {@value #SKIP_GET}, runs the skipped-get scenario of {@link
 * CollectiveMismatchITCase} instead (see {@link #skipGet}).
 *
 * <p>Arguments: the analytics head's port on 127.0.0.1, then optionally the mode. On any
 * unexpected failure the rank prints the stack trace and aborts the whole MPI job (exit code 1),
 * so that no other rank waits in a collective.
 */
public final class MpiBridgeMain {
    /** Mode argument: the skipped-get scenario with checked collectives. */
    static final String SKIP_GET = "skip-get";

    private MpiBridgeMain() {}

    public static void main(String[] args) throws Exception {
        int headPort = Integer.parseInt(args[0]);
        MPI.Init(args);
        // Errors as exceptions, so that a failing rank can report before aborting the job.
        MPI.COMM_WORLD.setErrhandler(MPI.ERRORS_RETURN);
        int rank = MPI.COMM_WORLD.getRank();
        try {
            if (args.length > 1 && SKIP_GET.equals(args[1])) {
                skipGet(rank, MPI.COMM_WORLD.getSize(), headPort);
                System.out.flush();
                MPI.Finalize();
                System.exit(0);
            }
            checkCommunicator(rank, MPI.COMM_WORLD.getSize());
            System.out.println("rank " + rank + ": communicator checks passed");

            int worldSize = MPI.COMM_WORLD.getSize();
            SystemMetadata sys = SystemMetadata.builder()
                    .worldSize(worldSize)
                    .head("127.0.0.1:" + headPort)
                    .connectTimeout(Duration.ofSeconds(60))
                    .build();
            ArrayMetadata chunk = ArrayMetadata.builder()
                    .chunkShape(1, 1)
                    .chunksPerDim(2, 2)
                    .chunkPosition(rank / 2, rank % 2)
                    .dtype(DType.INT32)
                    .build();
            try (MpiCommunicator comm = MpiCommunicator.world();
                    Bridge bridge = new Bridge(rank, Map.of("array", chunk), sys, comm)) {
                for (int t = 0; t <= 4; t++) {
                    bridge.send("array", new int[] {t * (rank + 1)}, t);
                }
                System.out.println("rank " + rank + ": close(5) = " + bridge.close(5));
            }
        } catch (Throwable e) {
            System.out.println("rank " + rank + " failed: " + e);
            e.printStackTrace(System.out);
            System.out.flush();
            MPI.COMM_WORLD.abort(1);
        }
        System.out.flush();
        MPI.Finalize();
        System.exit(0);
    }

    /**
     * Every rank shares a 4 x 4 float64 chunk ({@link CollectiveMismatchITCase#chunk}) at t =
     * 0..9 and calls {@code get("x", t - 2)} after each send, except rank 2 at t = 5. Prints {@code
     * rank r: t=T get("x", T-2) = v} for every returned value and, for the expected {@link
     * ContractError}, {@code rank r: t=T ContractError: message}; then the bridge is closed
     * (AutoCloseable, without close(timestep)) and MPI finalized normally: no MPI_Abort.
     */
    private static void skipGet(int rank, int worldSize, int headPort) {
        SystemMetadata sys = SystemMetadata.builder()
                .worldSize(worldSize)
                .head("127.0.0.1:" + headPort)
                .connectTimeout(Duration.ofSeconds(60))
                .build();
        try (MpiCommunicator comm = MpiCommunicator.world();
                Bridge bridge = new Bridge(rank, Map.of("field", CollectiveMismatchITCase.chunkOf(rank)), sys, comm)) {
            for (int t = 0; t < 10; t++) {
                bridge.send("field", CollectiveMismatchITCase.chunk(rank, t), t);
                if (rank == 2 && t == 5) {
                    continue;
                }
                try {
                    System.out.println("rank " + rank + ": t=" + t + " get(\"x\", " + (t - 2) + ") = "
                            + bridge.get("x", t - 2));
                } catch (ContractError e) {
                    System.out.println("rank " + rank + ": t=" + t + " ContractError: " + e.getMessage());
                    return;
                }
            }
            System.out.println("rank " + rank + ": close(9) = " + bridge.close(9));
        }
    }

    /** The {@link MpiCommunicator} contract on a real MPI world; throws AssertionError on a violation. */
    private static void checkCommunicator(int rank, int worldSize) {
        MpiCommunicator comm = MpiCommunicator.world();
        try {
            check(comm.rank() == rank && comm.worldSize() == worldSize, "rank/worldSize " + comm);
            comm.barrier();

            // Every rank as root, with an empty payload, a small one and one above the eager limits.
            for (int root = 0; root < worldSize; root++) {
                for (int size : new int[] {0, 7, 300_000}) {
                    byte[] expected = payload(root, size);
                    byte[] data = rank == root ? expected.clone() : new byte[] {42};
                    byte[] got = comm.broadcast(data, root);
                    check(Arrays.equals(got, expected), "broadcast of " + size + " bytes from root " + root);
                    check(rank != root || got == data, "the root gets its own array back");
                }
            }

            // A root without data: the root gets IllegalArgumentException, the others
            // CommunicatorException, and nobody hangs; the communicator stays usable.
            int root = worldSize - 1;
            try {
                comm.broadcast(null, root);
                throw new AssertionError("broadcast(null) from root " + root + " succeeded on rank " + rank);
            } catch (IllegalArgumentException e) {
                check(rank == root, "IllegalArgumentException on a non-root rank: " + e);
            } catch (CommunicatorException e) {
                check(rank != root && e.getMessage().contains("root " + root), "CommunicatorException: " + e);
            }
            comm.barrier();

            // checkSameCall: equal calls pass; differing ones fail on every rank with one message,
            // and the communicator stays usable.
            comm.checkSameCall("get(\"x\", 3) #2");
            int odd = worldSize - 1;
            String mismatch = "collective calls differ: rank 0 called get(\"x\") #3 but rank " + odd
                    + " called close(3) #3";
            try {
                comm.checkSameCall(rank == odd ? "close(3) #3" : "get(\"x\") #3");
                throw new AssertionError("differing calls passed the check on rank " + rank);
            } catch (CollectiveMismatchException e) {
                check(e.getMessage().equals(mismatch), "mismatch message: " + e.getMessage());
            }
            comm.barrier();

            try {
                comm.broadcast(new byte[1], worldSize);
                throw new AssertionError("broadcast from root " + worldSize + " succeeded");
            } catch (IllegalArgumentException expected) {
                // Rejected locally on every rank, before any MPI call.
            }
        } finally {
            comm.close();
        }
        comm.close(); // idempotent
        try {
            comm.barrier();
            throw new AssertionError("barrier after close succeeded");
        } catch (CommunicatorException expected) {
            // Closed: MPI itself stays initialized for the bridge's communicator.
        }
    }

    private static byte[] payload(int root, int size) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) (i * 31 + root);
        }
        return bytes;
    }

    private static void check(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }
}
