package io.deisa.sinks;

import io.deisa.analytics.DeisaArray;
import io.deisa.bridge.DType;

import hdf.hdf5lib.H5;
import hdf.hdf5lib.HDF5Constants;

import org.apache.flink.annotation.PublicEvolving;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Writes {@link DeisaArray}s to HDF5 files as virtual datasets (VDS, HDF5 1.10+) over one file per
 * chunk, readable by any HDF5 1.10+ reader (h5py, h5dump, the HDF5 C library).
 *
 * <pre>{@code
 * // in a callback: one dataset per timestep in the same file
 * Hdf5.write(Path.of("timesteps.h5"), Long.toString(windows.timestep()), windows.get("temperature").get(0));
 * // several datasets in one step
 * Hdf5.write(Path.of("several-arrays.h5"), Map.of("a", a, "b", b));
 * }</pre>
 *
 * <p>Layout on disk, for {@code timesteps.h5} with dataset {@code "3"} of a 1×2 chunk grid:
 * <pre>
 * timesteps.h5                    dataset "3": virtual, global shape, element type of the array
 * .timesteps.h5.3.c0_0.h5         dataset "data": the chunk at grid position (0, 0)
 * .timesteps.h5.3.c0_1.h5         dataset "data": the chunk at grid position (0, 1)
 * </pre>
 * The virtual dataset names its chunk files relatively, so the target file and its hidden chunk
 * files can be moved or copied together. Keep them together: HDF5 reads a missing chunk file
 * silently as the fill value (0).
 *
 * <p>Element types map to the HDF5 standard little-endian types: {@code INT8..INT64} to
 * {@code H5T_STD_I8LE..I64LE}, {@code UINT8..UINT64} to {@code H5T_STD_U8LE..U64LE}, {@code FLOAT32}
 * and {@code FLOAT64} to {@code H5T_IEEE_F32LE} and {@code H5T_IEEE_F64LE}. The chunk bytes are
 * written as they are, so values round-trip bit-exactly.
 *
 * <p>Publication is atomic: chunk files and the updated target file are written under temporary
 * hidden names and renamed into place, so a crash never leaves a target file that looks complete
 * but is not. Writers of the same target file in one JVM are serialized; do not write one target
 * file from several processes at once.
 *
 * <p>Uses Debian's JHDF5 ({@code libsis-jhdf5-java}) through its bundled low-level binding
 * {@code hdf.hdf5lib.H5}; its native library ({@code libsis-jhdf5-jni}) is found at
 * {@code /usr/lib/jni/libsis-jhdf5.so} unless the system property {@code native.libpath.sis-jhdf5}
 * names another file. Without it, writes fail with an {@link IllegalStateException} saying what to
 * install.
 */
@PublicEvolving
public final class Hdf5 {
    /** Name of the dataset inside every chunk file. */
    static final String CHUNK_DATASET = "data";

    private Hdf5() {}

    /**
     * Adds {@code array} to {@code file} as the virtual dataset {@code dataset}; creates the file
     * (and its directory) if needed.
     *
     * @param file the HDF5 file
     * @param dataset a link name in the file's root group: not blank, without {@code '/'}
     * @param array the array, every chunk present
     * @throws IllegalArgumentException when the dataset already exists in the file, its name is
     *     invalid, or the array misses chunks
     * @throws UncheckedIOException when the file cannot be written (directory not writable, not an
     *     HDF5 file, HDF5 error)
     */
    public static void write(Path file, String dataset, DeisaArray array) {
        write(file, singleDataset(dataset, array));
    }

    /**
     * Adds every entry of {@code datasets} to {@code file} as a virtual dataset, in one atomic
     * update: either all of them appear or none does.
     *
     * @param file the HDF5 file, created (with its directory) if needed
     * @param datasets dataset name to array; names as in {@link #write(Path, String, DeisaArray)}
     * @throws IllegalArgumentException when {@code datasets} is empty, a dataset already exists in
     *     the file, a name is invalid, or an array misses chunks
     * @throws UncheckedIOException when the file cannot be written
     */
    public static void write(Path file, Map<String, DeisaArray> datasets) {
        Path target = SinkFiles.absolute(file, "HDF5 file");
        Objects.requireNonNull(datasets, "datasets must not be null");
        if (datasets.isEmpty()) {
            throw new IllegalArgumentException("No dataset to write to " + target);
        }
        datasets.forEach((name, array) -> {
            checkDatasetName(name, target);
            SinkFiles.checkComplete(array, "Dataset '" + name + "' of " + target);
        });
        SinkFiles.ensureWritableDirectory(target.getParent(), target);
        Hdf5Library.ensureLoaded();
        synchronized (SinkFiles.lockFor(target)) {
            checkAbsent(target, datasets.keySet());
            List<Path> written = new ArrayList<>();
            Path temporary = SinkFiles.temporarySibling(target);
            try {
                Map<String, List<String>> sources = new LinkedHashMap<>();
                for (Map.Entry<String, DeisaArray> dataset : datasets.entrySet()) {
                    sources.put(dataset.getKey(), writeChunkFiles(target, dataset.getKey(), dataset.getValue(), written));
                }
                if (Files.exists(target)) {
                    Files.copy(target, temporary, StandardCopyOption.COPY_ATTRIBUTES);
                }
                addVirtualDatasets(temporary, datasets, sources);
                SinkFiles.publish(temporary, target, true);
            } catch (IOException | RuntimeException e) {
                SinkFiles.deleteQuietly(temporary);
                written.forEach(SinkFiles::deleteQuietly);
                throw failure(target, e);
            }
        }
    }

    /** The chunk file name of a chunk, relative to the target's directory. */
    static String chunkFileName(Path target, String dataset, int[] position) {
        return "." + target.getFileName() + "." + dataset + ".c"
                + IntStream.of(position).mapToObj(Integer::toString).collect(Collectors.joining("_")) + ".h5";
    }

    private static Map<String, DeisaArray> singleDataset(String dataset, DeisaArray array) {
        Map<String, DeisaArray> one = new LinkedHashMap<>();
        one.put(dataset, array);
        return one;
    }

    private static void checkDatasetName(String name, Path target) {
        if (name == null || name.isBlank() || name.contains("/") || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException(
                    "Invalid dataset name '" + name + "' for " + target
                            + ": a dataset name must be non-blank, without '/', and not '.' or '..'");
        }
    }

    /** Fails when one of {@code names} already exists in {@code target}. */
    private static void checkAbsent(Path target, Iterable<String> names) {
        if (!Files.exists(target)) {
            return;
        }
        long fileId = openFile(target, HDF5Constants.H5F_ACC_RDONLY);
        try {
            for (String name : names) {
                if (H5.H5Lexists(fileId, name, HDF5Constants.H5P_DEFAULT)) {
                    throw new IllegalArgumentException("Dataset '" + name + "' already exists in " + target);
                }
            }
        } finally {
            H5.H5Fclose(fileId);
        }
    }

    private static long openFile(Path file, int flags) {
        try {
            return H5.H5Fopen(file.toString(), flags, HDF5Constants.H5P_DEFAULT);
        } catch (RuntimeException e) {
            throw new UncheckedIOException(new IOException(
                    "Cannot open " + file + " as an HDF5 file: " + e.getMessage(), e));
        }
    }

    /** Writes one hidden file per chunk; returns their names relative to the target's directory. */
    private static List<String> writeChunkFiles(Path target, String dataset, DeisaArray array, List<Path> written)
            throws IOException {
        long type = fileType(array.dtype());
        long[] chunkShape = SinkFiles.longs(array.chunkShape());
        List<String> names = new ArrayList<>(array.chunkCount());
        for (int i = 0; i < array.chunkCount(); i++) {
            String name = chunkFileName(target, dataset, array.chunkPosition(i));
            Path chunkFile = target.resolveSibling(name);
            Path temporary = SinkFiles.temporarySibling(chunkFile);
            written.add(temporary);
            ByteBuffer chunk = array.chunk(i);
            byte[] bytes = new byte[chunk.remaining()];
            chunk.get(bytes);
            long fileId = H5.H5Fcreate(temporary.toString(), HDF5Constants.H5F_ACC_EXCL,
                    HDF5Constants.H5P_DEFAULT, HDF5Constants.H5P_DEFAULT);
            try {
                long space = H5.H5Screate_simple(chunkShape.length, chunkShape, null);
                try {
                    long datasetId = H5.H5Dcreate(fileId, CHUNK_DATASET, type, space, HDF5Constants.H5P_DEFAULT,
                            HDF5Constants.H5P_DEFAULT, HDF5Constants.H5P_DEFAULT);
                    try {
                        H5.H5Dwrite(datasetId, type, HDF5Constants.H5S_ALL, HDF5Constants.H5S_ALL,
                                HDF5Constants.H5P_DEFAULT, bytes);
                    } finally {
                        H5.H5Dclose(datasetId);
                    }
                } finally {
                    H5.H5Sclose(space);
                }
            } finally {
                H5.H5Fclose(fileId);
            }
            written.add(chunkFile);
            SinkFiles.publish(temporary, chunkFile, true);
            names.add(name);
        }
        return names;
    }

    /** Opens (or creates) {@code file} and adds one virtual dataset per entry. */
    private static void addVirtualDatasets(
            Path file, Map<String, DeisaArray> datasets, Map<String, List<String>> sources) {
        long fileId = Files.exists(file)
                ? openFile(file, HDF5Constants.H5F_ACC_RDWR)
                : H5.H5Fcreate(file.toString(), HDF5Constants.H5F_ACC_EXCL,
                        HDF5Constants.H5P_DEFAULT, HDF5Constants.H5P_DEFAULT);
        try {
            datasets.forEach((name, array) -> addVirtualDataset(fileId, name, array, sources.get(name)));
        } finally {
            H5.H5Fclose(fileId);
        }
    }

    private static void addVirtualDataset(long fileId, String name, DeisaArray array, List<String> chunkFiles) {
        long[] shape = array.shape();
        long[] chunkShape = SinkFiles.longs(array.chunkShape());
        long[] ones = new long[shape.length];
        Arrays.fill(ones, 1);
        long type = fileType(array.dtype());
        long space = H5.H5Screate_simple(shape.length, shape, null);
        long sourceSpace = H5.H5Screate_simple(chunkShape.length, chunkShape, null);
        long dcpl = H5.H5Pcreate(HDF5Constants.H5P_DATASET_CREATE);
        try {
            for (int i = 0; i < array.chunkCount(); i++) {
                int[] position = array.chunkPosition(i);
                long[] start = new long[shape.length];
                for (int d = 0; d < start.length; d++) {
                    start[d] = position[d] * chunkShape[d];
                }
                H5.H5Sselect_hyperslab(space, HDF5Constants.H5S_SELECT_SET, start, ones, ones, chunkShape);
                H5.H5Pset_virtual(dcpl, space, chunkFiles.get(i), "/" + CHUNK_DATASET, sourceSpace);
            }
            H5.H5Sselect_all(space);
            long datasetId = H5.H5Dcreate(fileId, name, type, space, HDF5Constants.H5P_DEFAULT, dcpl,
                    HDF5Constants.H5P_DEFAULT);
            H5.H5Dclose(datasetId);
        } finally {
            H5.H5Pclose(dcpl);
            H5.H5Sclose(sourceSpace);
            H5.H5Sclose(space);
        }
    }

    /** The HDF5 standard type of {@code dtype}, little-endian as the chunk bytes are. */
    static long fileType(DType dtype) {
        return switch (dtype) {
            case INT8 -> HDF5Constants.H5T_STD_I8LE;
            case INT16 -> HDF5Constants.H5T_STD_I16LE;
            case INT32 -> HDF5Constants.H5T_STD_I32LE;
            case INT64 -> HDF5Constants.H5T_STD_I64LE;
            case UINT8 -> HDF5Constants.H5T_STD_U8LE;
            case UINT16 -> HDF5Constants.H5T_STD_U16LE;
            case UINT32 -> HDF5Constants.H5T_STD_U32LE;
            case UINT64 -> HDF5Constants.H5T_STD_U64LE;
            case FLOAT32 -> HDF5Constants.H5T_IEEE_F32LE;
            case FLOAT64 -> HDF5Constants.H5T_IEEE_F64LE;
        };
    }

    private static UncheckedIOException failure(Path target, Exception e) {
        if (e instanceof UncheckedIOException unchecked) {
            return unchecked;
        }
        IOException cause = e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        return new UncheckedIOException("Cannot write HDF5 file " + target + ": " + e.getMessage(), cause);
    }
}
