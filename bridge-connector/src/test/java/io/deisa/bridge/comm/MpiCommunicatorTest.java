package io.deisa.bridge.comm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What can be checked about {@link MpiCommunicator} without MPI: the Open MPI Java classes are a
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
