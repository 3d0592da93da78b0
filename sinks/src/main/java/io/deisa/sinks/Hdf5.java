package io.deisa.sinks;

import io.deisa.analytics.DeisaArray;
import io.deisa.bridge.DType;

import hdf.hdf5lib.H5;
import hdf.hdf5lib.HDF5Constants;
import hdf.hdf5lib.exceptions.HDF5Exception;

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
import java.util.concurrent.ThreadLocalRandom;
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
 * timesteps.h5                      dataset "3": virtual, global shape, element type of the array
 * .timesteps.h5.3.5f1c2a9e.c0_0.h5  dataset "data": the chunk at grid position (0, 0)
 * .timesteps.h5.3.5f1c2a9e.c0_1.h5  dataset "data": the chunk at grid position (0, 1)
 * </pre>
 * A chunk file is named {@code .<file>.<dataset>.<tag>.c<position>.h5}, where {@code <tag>} is 8
 * random hexadecimal digits drawn anew at every write, so that a dataset written again never
 * reuses the chunk files of the version it replaces. The virtual dataset names its chunk files
 * relatively, so the target file and its hidden chunk files can be moved or copied together. Keep
 * them together: HDF5 reads a missing chunk file silently as the fill value (0).
 *
 * <p>Element types map to the HDF5 standard little-endian types: {@code INT8..INT64} to
 * {@code H5T_STD_I8LE..I64LE}, {@code UINT8..UINT64} to {@code H5T_STD_U8LE..U64LE}, {@code FLOAT32}
 * and {@code FLOAT64} to {@code H5T_IEEE_F32LE} and {@code H5T_IEEE_F64LE}. The chunk bytes are
 * written as they are, so values round-trip bit-exactly.
 *
 * <p>Writing a dataset that already exists replaces it (a callback that runs again after a recovery
 * writes the same result again), with a new array that may have another shape or element type.
 * Publication is atomic: the new chunk files are written under their new names, then a copy of
 * the target file with the new virtual datasets (and without the ones they replace) is written
 * under a temporary hidden name and renamed over the target. A reader that opens the file sees
 * either the old datasets or the new ones, each complete, and a crash never leaves a target file
 * that looks complete but is not; other datasets of the file are untouched. The chunk files of a
 * replaced dataset are deleted after the rename: a reader that opened the file before it and
 * reads the replaced dataset afterwards may find them gone (read as 0), and should open the file
 * again. Writers of the same target file in one JVM are serialized; do not write one target file
 * from several processes at once.
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
     * Writes {@code array} to {@code file} as the virtual dataset {@code dataset}, replacing the
     * dataset of that name if there is one; creates the file (and its directory) if needed.
     *
     * @param file the HDF5 file
     * @param dataset a link name in the file's root group: not blank, without {@code '/'}
     * @param array the array, every chunk present
     * @throws IllegalArgumentException when the name is invalid, names something in the file that
     *     is not a dataset (a group), or the array misses chunks
     * @throws UncheckedIOException when the file cannot be written (directory not writable, not an
     *     HDF5 file, HDF5 error)
     */
    public static void write(Path file, String dataset, DeisaArray array) {
        write(file, singleDataset(dataset, array));
    }

    /**
     * Writes every entry of {@code datasets} to {@code file} as a virtual dataset, replacing the
     * existing datasets of those names, in one atomic update: a reader sees either all of them
     * written or none.
     *
     * @param file the HDF5 file, created (with its directory) if needed
     * @param datasets dataset name to array; names as in {@link #write(Path, String, DeisaArray)}
     * @throws IllegalArgumentException when {@code datasets} is empty, a name is invalid or names
     *     something in the file that is not a dataset (a group), or an array misses chunks
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
            List<Path> replacedChunkFiles = replacedChunkFiles(target, datasets.keySet());
            String tag = newTag();
            List<Path> written = new ArrayList<>();
            Path temporary = SinkFiles.temporarySibling(target);
            try {
                Map<String, List<String>> sources = new LinkedHashMap<>();
                for (Map.Entry<String, DeisaArray> dataset : datasets.entrySet()) {
                    sources.put(dataset.getKey(),
                            writeChunkFiles(target, dataset.getKey(), tag, dataset.getValue(), written));
                }
                if (Files.exists(target)) {
                    Files.copy(target, temporary, StandardCopyOption.COPY_ATTRIBUTES);
                }
                putVirtualDatasets(temporary, datasets, sources);
                SinkFiles.publish(temporary, target, true);
            } catch (IOException | RuntimeException e) {
                SinkFiles.deleteQuietly(temporary);
                written.forEach(SinkFiles::deleteQuietly);
                throw failure(target, e);
            }
            // The published file no longer refers to them.
            replacedChunkFiles.forEach(SinkFiles::deleteQuietly);
        }
    }

    /** The chunk file name of a chunk of one write of {@code dataset}, relative to the target's directory. */
    static String chunkFileName(Path target, String dataset, String tag, int[] position) {
        return chunkFilePrefix(target, dataset) + tag + ".c"
                + IntStream.of(position).mapToObj(Integer::toString).collect(Collectors.joining("_")) + ".h5";
    }

    /** How the names of the chunk files of {@code dataset} start, whatever their tag. */
    private static String chunkFilePrefix(Path target, String dataset) {
        return "." + target.getFileName() + "." + dataset + ".";
    }

    /** A new chunk file tag: 8 random hexadecimal digits. */
    private static String newTag() {
        return String.format("%08x", ThreadLocalRandom.current().nextInt());
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

    /**
     * The chunk files of the datasets among {@code names} that already exist in {@code target}: the
     * sources of their virtual datasets that this class wrote (hidden files named after the target
     * and the dataset), to delete once the target no longer refers to them.
     *
     * @throws IllegalArgumentException when one of {@code names} exists but is not a dataset
     */
    private static List<Path> replacedChunkFiles(Path target, Iterable<String> names) {
        List<Path> chunkFiles = new ArrayList<>();
        if (!Files.exists(target)) {
            return chunkFiles;
        }
        long fileId = openFile(target, HDF5Constants.H5F_ACC_RDONLY);
        try {
            for (String name : names) {
                if (!H5.H5Lexists(fileId, name, HDF5Constants.H5P_DEFAULT)) {
                    continue;
                }
                if (H5.H5Oget_info_by_name(fileId, name, HDF5Constants.H5P_DEFAULT).type
                        != HDF5Constants.H5O_TYPE_DATASET) {
                    throw new IllegalArgumentException(
                            "'" + name + "' in " + target + " is not a dataset: it is not replaced");
                }
                for (String source : virtualSources(fileId, name)) {
                    if (source.startsWith(chunkFilePrefix(target, name)) && source.endsWith(".h5")
                            && !source.contains("/")) {
                        chunkFiles.add(target.resolveSibling(source));
                    }
                }
            }
        } catch (HDF5Exception e) {
            throw failure(target, e);
        } finally {
            H5.H5Fclose(fileId);
        }
        return chunkFiles;
    }

    /** The source file names of dataset {@code name}; none when it is not a virtual dataset. */
    private static List<String> virtualSources(long fileId, String name) {
        List<String> sources = new ArrayList<>();
        long datasetId = H5.H5Dopen(fileId, name, HDF5Constants.H5P_DEFAULT);
        try {
            long dcpl = H5.H5Dget_create_plist(datasetId);
            try {
                if (H5.H5Pget_layout(dcpl) == HDF5Constants.H5D_VIRTUAL) {
                    long count = H5.H5Pget_virtual_count(dcpl);
                    for (long i = 0; i < count; i++) {
                        sources.add(H5.H5Pget_virtual_filename(dcpl, i));
                    }
                }
            } finally {
                H5.H5Pclose(dcpl);
            }
        } finally {
            H5.H5Dclose(datasetId);
        }
        return sources;
    }

    private static long openFile(Path file, int flags) {
        try {
            return H5.H5Fopen(file.toString(), flags, HDF5Constants.H5P_DEFAULT);
        } catch (RuntimeException e) {
            throw new UncheckedIOException(new IOException(
                    "Cannot open " + file + " as an HDF5 file: " + e.getMessage(), e));
        }
    }

    /**
     * Writes one hidden file per chunk, named with {@code tag}; returns their names relative to the
     * target's directory. No published file refers to these names yet, so they are written in
     * place; a name that exists (a tag drawn twice) fails the write rather than overwriting it.
     */
    private static List<String> writeChunkFiles(
            Path target, String dataset, String tag, DeisaArray array, List<Path> written) {
        long type = fileType(array.dtype());
        long[] chunkShape = SinkFiles.longs(array.chunkShape());
        List<String> names = new ArrayList<>(array.chunkCount());
        for (int i = 0; i < array.chunkCount(); i++) {
            String name = chunkFileName(target, dataset, tag, array.chunkPosition(i));
            Path chunkFile = target.resolveSibling(name);
            ByteBuffer chunk = array.chunk(i);
            byte[] bytes = new byte[chunk.remaining()];
            chunk.get(bytes);
            long fileId = H5.H5Fcreate(chunkFile.toString(), HDF5Constants.H5F_ACC_EXCL,
                    HDF5Constants.H5P_DEFAULT, HDF5Constants.H5P_DEFAULT);
            written.add(chunkFile);
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
            names.add(name);
        }
        return names;
    }

    /**
     * Opens (or creates) {@code file} and puts one virtual dataset per entry, removing first the
     * dataset of the same name if there is one.
     */
    private static void putVirtualDatasets(
            Path file, Map<String, DeisaArray> datasets, Map<String, List<String>> sources) {
        long fileId = Files.exists(file)
                ? openFile(file, HDF5Constants.H5F_ACC_RDWR)
                : H5.H5Fcreate(file.toString(), HDF5Constants.H5F_ACC_EXCL,
                        HDF5Constants.H5P_DEFAULT, HDF5Constants.H5P_DEFAULT);
        try {
            datasets.forEach((name, array) -> {
                if (H5.H5Lexists(fileId, name, HDF5Constants.H5P_DEFAULT)) {
                    H5.H5Ldelete(fileId, name, HDF5Constants.H5P_DEFAULT);
                }
                addVirtualDataset(fileId, name, array, sources.get(name));
            });
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
