package io.deisa.sinks;

import io.deisa.analytics.DeisaArray;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** File-system steps shared by the writers: checks, temporary names, atomic publication, locks. */
final class SinkFiles {
    private static final ConcurrentMap<Path, Object> LOCKS = new ConcurrentHashMap<>();

    private SinkFiles() {}

    /** The absolute, normalized form of {@code path}; {@code what} names it in the error. */
    static Path absolute(Path path, String what) {
        Objects.requireNonNull(path, what + " must not be null");
        return path.toAbsolutePath().normalize();
    }

    /**
     * Creates {@code dir} and its parents if needed and checks that files can be created in it.
     *
     * @throws UncheckedIOException naming {@code target} and the reason when it is not writable
     */
    static void ensureWritableDirectory(Path dir, Path target) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "Cannot write " + target + ": cannot create directory " + dir + " (" + e + ")", e);
        }
        if (!Files.isWritable(dir)) {
            throw new UncheckedIOException(new IOException(
                    "Cannot write " + target + ": directory " + dir + " is not writable"));
        }
    }

    /**
     * A hidden name next to {@code target} for writing it before {@link #publish}: never mistaken
     * for the target, unique per call.
     */
    static Path temporarySibling(Path target) {
        return target.resolveSibling("." + target.getFileName() + ".tmp-" + UUID.randomUUID());
    }

    /**
     * Renames {@code temporary} to {@code target} atomically, so that readers see either the old or
     * the complete new {@code target}, never a partial one.
     *
     * @param replace whether an existing {@code target} is replaced; otherwise it is an error
     */
    static void publish(Path temporary, Path target, boolean replace) throws IOException {
        try {
            if (replace) {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else if (Files.exists(target)) {
                throw new FileAlreadyExistsException(target.toString());
            } else {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("The file system of " + target + " cannot rename atomically", e);
        }
    }

    /** Deletes {@code path} (a file or a directory tree) if it exists, ignoring failures: clean-up only. */
    static void deleteQuietly(Path path) {
        if (path == null || !Files.exists(path)) {
            return;
        }
        try (var walk = Files.walk(path)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // best effort: the path is hidden and never looks like a result
        }
    }

    /** The lock that serializes writers of {@code target} in this JVM. */
    static Object lockFor(Path target) {
        return LOCKS.computeIfAbsent(target, p -> new Object());
    }

    /**
     * Checks that {@code array} holds every chunk of its grid, so that no part of the written
     * result silently reads as the fill value.
     *
     * @throws IllegalArgumentException naming the array when a chunk is missing
     */
    static void checkComplete(DeisaArray array, String what) {
        Objects.requireNonNull(array, what + ": array must not be null");
        long expected = 1;
        for (int n : array.chunksPerDim()) {
            expected *= n;
        }
        if (array.chunkCount() != expected) {
            throw new IllegalArgumentException(
                    what + ": array '" + array.name() + "' at t=" + array.t() + " has " + array.chunkCount()
                            + " chunks, its grid " + Arrays.toString(array.chunksPerDim()) + " needs " + expected);
        }
    }

    /** {@code values} widened to longs, as HDF5 extents are. */
    static long[] longs(int[] values) {
        return Arrays.stream(values).asLongStream().toArray();
    }
}
