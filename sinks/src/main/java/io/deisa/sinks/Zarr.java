package io.deisa.sinks;

import io.deisa.analytics.DeisaArray;
import io.deisa.bridge.DType;

import org.apache.flink.annotation.PublicEvolving;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

/**
 * Writes {@link DeisaArray}s as Zarr arrays in a directory store, one Zarr chunk per simulation
 * chunk, uncompressed, following the Zarr v3 (default) or v2 specification.
 *
 * <pre>{@code
 * Zarr.write(Path.of("results.zarr"), "temperature/5", array);                  // Zarr v3
 * Zarr.write(Path.of("results-v2.zarr"), "temperature", array, Zarr.Format.V2);  // Zarr v2
 * // Python: zarr.open_array("results-v2.zarr", path="temperature", mode="r")[...]
 * }</pre>
 *
 * <p>What is written, for component {@code temperature} of a 1×2 grid of {@code FLOAT64} chunks:
 * <ul>
 *   <li>v3: {@code zarr.json} (group) at the store root and at every intermediate path;
 *       {@code temperature/zarr.json} with {@code data_type "float64"}, a {@code regular} chunk
 *       grid of the chunk shape, the {@code default} chunk key encoding (separator {@code "/"})
 *       and the single codec {@code bytes} with {@code endian "little"}; chunks
 *       {@code temperature/c/0/0} and {@code temperature/c/0/1}.
 *   <li>v2: {@code .zgroup} at the store root and every intermediate path;
 *       {@code temperature/.zarray} with {@code dtype "<f8"}, {@code compressor null},
 *       {@code filters null}, {@code order "C"}; {@code temperature/.zattrs}; chunks
 *       {@code temperature/0.0} and {@code temperature/0.1}.
 * </ul>
 * Chunk files hold the chunk's raw little-endian bytes in C order, so values round-trip
 * bit-exactly. The fill value is 0. The array's attributes record its deisa name and timestep.
 *
 * <p>Writing a component that already holds a Zarr array replaces it (a callback that runs again
 * after a recovery writes the same result again), with a new array that may have another shape or
 * data type; other components of the store are untouched. Publication is atomic: the array is
 * written into a hidden temporary directory next to its final place ({@code .<name>.tmp-<uuid>})
 * and renamed into place. To replace an array, the old directory is first renamed aside to another
 * such hidden name, then the new one is renamed into place and the old one deleted. Between the
 * two renames (two system calls) the component does not exist: a reader that opens it then finds
 * no array and should retry; a reader that opens it before or after finds the old or the new
 * array, complete. As with any update of a directory store, a reader that read the old array's
 * metadata and reads chunks after the replacement gets chunks of the new array or, where there is
 * none, the fill value. If the second rename fails, the old array is renamed back; a crash between
 * the two renames leaves the component absent (the next write of it writes it again) and the old
 * and new arrays in hidden directories.
 */
@PublicEvolving
public final class Zarr {
    /** The Zarr format version of the written array. */
    public enum Format {
        /** Zarr format 2: {@code .zarray}, {@code .zattrs}, {@code .zgroup}, chunk keys {@code "0.1"}. */
        V2,
        /** Zarr format 3: {@code zarr.json}, chunk keys {@code "c/0/1"}. */
        V3
    }

    /** The {@code node_type} of an array in a v3 {@code zarr.json}. */
    private static final Pattern V3_ARRAY = Pattern.compile("\"node_type\"\\s*:\\s*\"array\"");

    private Zarr() {}

    /**
     * Writes {@code array} as a Zarr v3 array at {@code component} of {@code store}.
     *
     * @see #write(Path, String, DeisaArray, Format)
     */
    public static void write(Path store, String component, DeisaArray array) {
        write(store, component, array, Format.V3);
    }

    /**
     * Writes {@code array} as a Zarr array of {@code format} at {@code component} of {@code store},
     * replacing the array there if there is one; creates the store and the groups on the way as
     * needed.
     *
     * @param store the store's root directory
     * @param component the array's path in the store: {@code '/'}-separated, non-empty segments,
     *     none {@code "."}, {@code ".."}, {@code "zarr.json"} or starting with {@code "__"} or {@code ".z"}
     * @param array the array, every chunk present
     * @param format the Zarr format
     * @throws IllegalArgumentException when the component exists but is not a Zarr array of
     *     {@code format} (a group, say), its path is invalid, the store holds the other Zarr format,
     *     or the array misses chunks
     * @throws UncheckedIOException when the store cannot be written
     */
    public static void write(Path store, String component, DeisaArray array, Format format) {
        Path root = SinkFiles.absolute(store, "Zarr store");
        Objects.requireNonNull(format, "format must not be null");
        String[] segments = checkComponent(component, root);
        SinkFiles.checkComplete(array, "Zarr array '" + component + "' of " + root);
        Path target = root.resolve(String.join("/", segments));
        SinkFiles.ensureWritableDirectory(target.getParent(), target);
        synchronized (SinkFiles.lockFor(root)) {
            checkFormat(root, format);
            boolean replace = Files.exists(target, LinkOption.NOFOLLOW_LINKS);
            if (replace && !isArray(target, format)) {
                throw new IllegalArgumentException(
                        "Zarr store " + root + " has '" + component + "' (" + target + "), which is not a Zarr "
                                + (format == Format.V2 ? "v2" : "v3") + " array: it is not replaced");
            }
            Path temporary = SinkFiles.temporarySibling(target);
            try {
                Path group = root;
                writeGroupIfAbsent(group, format);
                for (int i = 0; i < segments.length - 1; i++) {
                    group = group.resolve(segments[i]);
                    writeGroupIfAbsent(group, format);
                }
                writeArray(temporary, array, format);
                if (replace) {
                    swapIn(temporary, target);
                } else {
                    SinkFiles.publish(temporary, target, false);
                }
            } catch (IOException | RuntimeException e) {
                SinkFiles.deleteQuietly(temporary);
                throw new UncheckedIOException(
                        "Cannot write Zarr array '" + component + "' to " + root + ": " + e.getMessage(),
                        e instanceof IOException io ? io : new IOException(e));
            }
        }
    }

    /** Whether {@code dir} holds a Zarr array of {@code format}: {@code .zarray}, or an array's {@code zarr.json}. */
    private static boolean isArray(Path dir, Format format) {
        if (format == Format.V2) {
            return Files.isRegularFile(dir.resolve(".zarray"));
        }
        Path metadata = dir.resolve("zarr.json");
        if (!Files.isRegularFile(metadata)) {
            return false;
        }
        try {
            return V3_ARRAY.matcher(Files.readString(metadata)).find();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + metadata, e);
        }
    }

    /**
     * Replaces the array directory {@code target} with {@code temporary}: renames the old one aside
     * to a hidden name, the new one into place (renaming the old one back if that fails), then
     * deletes the old one.
     */
    private static void swapIn(Path temporary, Path target) throws IOException {
        Path old = SinkFiles.temporarySibling(target);
        Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        try {
            SinkFiles.publish(temporary, target, false);
        } catch (IOException | RuntimeException e) {
            try {
                Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException | RuntimeException restore) {
                e.addSuppressed(restore);
            }
            throw e;
        }
        SinkFiles.deleteQuietly(old);
    }

    private static String[] checkComponent(String component, Path root) {
        if (component == null || component.isBlank()) {
            throw new IllegalArgumentException("Zarr component for " + root + " must not be null or blank");
        }
        String[] segments = component.split("/", -1);
        for (String segment : segments) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..") || segment.startsWith("__")
                    || segment.startsWith(".z") || segment.equals("zarr.json")) {
                throw new IllegalArgumentException(
                        "Invalid Zarr component '" + component + "' for " + root + ": segment '" + segment
                                + "' (segments are non-empty, not '.', '..' or 'zarr.json', and do not"
                                + " start with '__' or '.z')");
            }
        }
        return segments;
    }

    /** Refuses to mix formats in one store. */
    private static void checkFormat(Path root, Format format) {
        boolean v2 = Files.exists(root.resolve(".zgroup")) || Files.exists(root.resolve(".zarray"));
        boolean v3 = Files.exists(root.resolve("zarr.json"));
        if ((format == Format.V3 && v2) || (format == Format.V2 && v3)) {
            throw new IllegalArgumentException(
                    "Zarr store " + root + " is in format " + (v2 ? "2" : "3") + ", cannot add a format "
                            + (format == Format.V2 ? "2" : "3") + " array");
        }
    }

    private static void writeGroupIfAbsent(Path group, Format format) throws IOException {
        Path metadata = group.resolve(format == Format.V3 ? "zarr.json" : ".zgroup");
        if (Files.exists(metadata)) {
            return;
        }
        Files.createDirectories(group);
        String json = format == Format.V3
                ? "{\n  \"zarr_format\": 3,\n  \"node_type\": \"group\",\n  \"attributes\": {}\n}\n"
                : "{\n  \"zarr_format\": 2\n}\n";
        Path temporary = SinkFiles.temporarySibling(metadata);
        try {
            writeFile(temporary, ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8)));
            SinkFiles.publish(temporary, metadata, true);
        } finally {
            SinkFiles.deleteQuietly(temporary);
        }
    }

    /** Writes the whole array (metadata and chunks) into the new directory {@code dir}. */
    private static void writeArray(Path dir, DeisaArray array, Format format) throws IOException {
        Files.createDirectory(dir);
        String attributes = "{\"deisa\": {\"name\": " + jsonString(array.name()) + ", \"t\": " + array.t() + "}}";
        if (format == Format.V3) {
            writeText(dir.resolve("zarr.json"), "{\n"
                    + "  \"zarr_format\": 3,\n"
                    + "  \"node_type\": \"array\",\n"
                    + "  \"shape\": " + jsonArray(LongStream.of(array.shape())) + ",\n"
                    + "  \"data_type\": \"" + v3DataType(array.dtype()) + "\",\n"
                    + "  \"chunk_grid\": {\"name\": \"regular\", \"configuration\": {\"chunk_shape\": "
                    + jsonArray(IntStream.of(array.chunkShape()).asLongStream()) + "}},\n"
                    + "  \"chunk_key_encoding\": {\"name\": \"default\", \"configuration\": {\"separator\": \"/\"}},\n"
                    + "  \"fill_value\": " + fillValue(array.dtype()) + ",\n"
                    + "  \"codecs\": [{\"name\": \"bytes\", \"configuration\": {\"endian\": \"little\"}}],\n"
                    + "  \"attributes\": " + attributes + "\n"
                    + "}\n");
        } else {
            writeText(dir.resolve(".zarray"), "{\n"
                    + "  \"zarr_format\": 2,\n"
                    + "  \"shape\": " + jsonArray(LongStream.of(array.shape())) + ",\n"
                    + "  \"chunks\": " + jsonArray(IntStream.of(array.chunkShape()).asLongStream()) + ",\n"
                    + "  \"dtype\": \"" + v2DataType(array.dtype()) + "\",\n"
                    + "  \"compressor\": null,\n"
                    + "  \"fill_value\": " + fillValue(array.dtype()) + ",\n"
                    + "  \"order\": \"C\",\n"
                    + "  \"filters\": null,\n"
                    + "  \"dimension_separator\": \".\"\n"
                    + "}\n");
            writeText(dir.resolve(".zattrs"), attributes + "\n");
        }
        for (int i = 0; i < array.chunkCount(); i++) {
            Path chunkFile = dir.resolve(chunkKey(array.chunkPosition(i), format));
            Files.createDirectories(chunkFile.getParent());
            writeFile(chunkFile, array.chunk(i));
        }
    }

    /** {@code c/0/1} in v3 (default encoding, separator "/"), {@code 0.1} in v2. */
    static String chunkKey(int[] position, Format format) {
        String[] indices = IntStream.of(position).mapToObj(Integer::toString).toArray(String[]::new);
        return format == Format.V3 ? "c/" + String.join("/", indices) : String.join(".", indices);
    }

    static String v3DataType(DType dtype) {
        return dtype.name().toLowerCase(Locale.ROOT);
    }

    static String v2DataType(DType dtype) {
        char kind = switch (dtype) {
            case INT8, INT16, INT32, INT64 -> 'i';
            case UINT8, UINT16, UINT32, UINT64 -> 'u';
            case FLOAT32, FLOAT64 -> 'f';
        };
        return (dtype.byteSize() == 1 ? "|" : "<") + kind + dtype.byteSize();
    }

    private static String fillValue(DType dtype) {
        return dtype == DType.FLOAT32 || dtype == DType.FLOAT64 ? "0.0" : "0";
    }

    private static String jsonArray(LongStream values) {
        return values.mapToObj(Long::toString).collect(Collectors.joining(", ", "[", "]"));
    }

    private static String jsonString(String value) {
        StringBuilder json = new StringBuilder("\"");
        for (char c : value.toCharArray()) {
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        return json.append('"').toString();
    }

    private static void writeText(Path file, String text) throws IOException {
        writeFile(file, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static void writeFile(Path file, ByteBuffer bytes) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        }
    }
}
