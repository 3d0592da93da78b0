package io.deisa.sinks;

import hdf.hdf5lib.H5;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads JHDF5's native library before {@link Hdf5} uses {@code hdf.hdf5lib.H5}, with a clear error
 * when it is missing.
 *
 * <p>JHDF5 loads {@code libsis-jhdf5} through sis-base's {@code NativeLibraryUtilities}, which
 * first honours the system property {@code native.libpath.sis-jhdf5} (the library file). Debian
 * installs the library in {@code /usr/lib/jni}, which is not on the JVM's default
 * {@code java.library.path}; the property is set to it unless the user already set it.
 */
final class Hdf5Library {
    static final String PROPERTY = "native.libpath.sis-jhdf5";
    static final Path DEBIAN_LIBRARY = Path.of("/usr/lib/jni/libsis-jhdf5.so");

    private static boolean loaded;

    private Hdf5Library() {}

    /**
     * Loads the native library once.
     *
     * @throws IllegalStateException naming the package and the property when it cannot be loaded
     */
    static synchronized void ensureLoaded() {
        if (loaded) {
            return;
        }
        if (System.getProperty(PROPERTY) == null && Files.isRegularFile(DEBIAN_LIBRARY)) {
            System.setProperty(PROPERTY, DEBIAN_LIBRARY.toString());
        }
        try {
            H5.loadH5Lib();
        } catch (RuntimeException | LinkageError e) {
            throw new IllegalStateException(
                    "Cannot load JHDF5's native library (" + e + "): install Debian's libsis-jhdf5-jni"
                            + " (bin/setup does) or set -D" + PROPERTY + "=/path/to/libsis-jhdf5.so", e);
        }
        loaded = true;
    }
}
