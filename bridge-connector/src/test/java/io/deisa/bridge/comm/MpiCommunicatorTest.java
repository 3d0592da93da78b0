package io.deisa.bridge.comm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What can be checked about {@link MpiCommunicator} without MPI: the message of a failed {@link
 * MpiCommunicator#checkSameCall} from gathered calls, and that the Open MPI Java classes are a
 * {@code provided} dependency, so no other class of this module may refer to them, or simulations
 * using {@link TcpCommunicator} would need {@code mpi.jar}. The collectives themselves run under a
 * real {@code mpirun} in the job module's {@code MpiITCase}.
 */
class MpiCommunicatorTest {

    @Test
    void onlyMpiCommunicatorReferencesTheMpiClasses() throws Exception {
        Path classes = Path.of(Communicator.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertThat(classes).as("main classes of bridge-connector").isDirectory();
        List<String> referencing = new ArrayList<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".class"))::iterator) {
                if (referencesMpi(file)) {
                    referencing.add(classes.relativize(file).toString().replace('\\', '/'));
                }
            }
        }
        assertThat(referencing).containsExactly("io/deisa/bridge/comm/MpiCommunicator.class");
    }

    @Test
    void loadingTheClassNeedsNoNativeMpi() throws ClassNotFoundException {
        // Loading and linking must not initialize mpi.MPI (which loads libmpi_java.so).
        Class<?> type = Class.forName("io.deisa.bridge.comm.MpiCommunicator", true, getClass().getClassLoader());
        assertThat(Communicator.class).isAssignableFrom(type);
    }

    @Test
    void theCheckHashesWithFnv1a64() {
        assertThat(MpiCommunicator.fnv1a64(new byte[0])).isEqualTo(0xcbf29ce484222325L);
        assertThat(MpiCommunicator.fnv1a64("a".getBytes(StandardCharsets.UTF_8))).isEqualTo(0xaf63dc4c8601ec8cL);
        assertThat(MpiCommunicator.fnv1a64("foobar".getBytes(StandardCharsets.UTF_8))).isEqualTo(0x85944171f73967e8L);
    }

    /** The message every rank builds from the gathered slots of a failed check (without MPI). */
    @Test
    void aFailedCheckNamesRankZeroAndTheLowestDifferingRank() {
        String same = "get(\"x\", 3) #7";
        String other = "get(\"x\", 4) #7";
        assertThat(MpiCommunicator.mismatch(gathered(same, same, other, other)))
                .isEqualTo("collective calls differ: rank 0 called get(\"x\", 3) #7 but rank 2 called get(\"x\", 4) #7");
        assertThat(MpiCommunicator.mismatch(gathered(other, same, same)))
                .isEqualTo("collective calls differ: rank 0 called get(\"x\", 4) #7 but rank 1 called get(\"x\", 3) #7");
    }

    @Test
    void longCallsAreTruncatedOnACharacterBoundaryWithAnEllipsis() {
        String prefix = "get(\"" + "\u00e9".repeat(400); // 2 UTF-8 bytes per character
        String a = prefix + "a\") #1";
        String b = prefix + "b\") #1";
        String message = MpiCommunicator.mismatch(gathered(a, b));
        String shown = message.substring("collective calls differ: rank 0 called ".length(), message.indexOf(" but rank 1"));
        assertThat(shown).endsWith("...").doesNotContain("\ufffd");
        assertThat(a).startsWith(shown.substring(0, shown.length() - 3));
        assertThat(shown.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(502);
        assertThat(message).endsWith("but rank 1 called " + shown); // same prefix: the difference is cut off
    }

    /** The slots an MPI_Allgather would deliver for these calls of ranks 0, 1, ... */
    private static byte[] gathered(String... calls) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (String call : calls) {
            byte[] bytes = call.getBytes(StandardCharsets.UTF_8);
            all.writeBytes(MpiCommunicator.slot(MpiCommunicator.fnv1a64(bytes), bytes));
        }
        return all.toByteArray();
    }

    /**
     * Whether a class file's constant pool names a class of package {@code mpi}: a class entry
     * {@code mpi/...} or a descriptor containing {@code Lmpi/}.
     */
    private static boolean referencesMpi(Path classFile) throws IOException {
        try (InputStream raw = Files.newInputStream(classFile); DataInputStream in = new DataInputStream(raw)) {
            if (in.readInt() != 0xCAFEBABE) {
                throw new IOException(classFile + " is not a class file");
            }
            in.readUnsignedShort(); // minor version
            in.readUnsignedShort(); // major version
            int count = in.readUnsignedShort();
            for (int i = 1; i < count; i++) {
                int tag = in.readUnsignedByte();
                switch (tag) {
                    case 1 -> { // Utf8
                        String text = in.readUTF();
                        if (text.startsWith("mpi/") || text.contains("Lmpi/")) {
                            return true;
                        }
                    }
                    case 7, 8, 16, 19, 20 -> in.skipNBytes(2); // Class, String, MethodType, Module, Package
                    case 15 -> in.skipNBytes(3); // MethodHandle
                    case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipNBytes(4);
                    case 5, 6 -> { // Long, Double: two entries
                        in.skipNBytes(8);
                        i++;
                    }
                    default -> throw new IOException(classFile + ": unknown constant pool tag " + tag);
                }
            }
            return false;
        }
    }
}
