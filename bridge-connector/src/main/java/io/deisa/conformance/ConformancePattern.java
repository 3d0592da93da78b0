package io.deisa.conformance;

import io.deisa.bridge.ArrayMetadata;
import io.deisa.bridge.DType;
import io.deisa.wire.FeedbackCodec;
import io.deisa.wire.FeedbackTable;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a conformance client sends and reads, so that {@link ConformanceHead} can check every byte.
 *
 * <p><b>Chunks.</b> Element {@code i} (flat, row-major) of the chunk that bridge {@code r} sends at
 * timestep {@code t}, for any array: {@code (31 r + 7 t + i) mod 100}, plus {@code 0.5} for
 * {@code float32}/{@code float64} (every value is exact in every dtype).
 *
 * <p><b>Arrays</b> of the full client (Java, Python, C): one per dtype, named {@code a_<dtype>}
 * ({@code a_int8} ... {@code a_float64}, in {@link DType} order); array {@code k} has
 * {@code 1 + k mod 4} dimensions, chunk shape {@code [2 + k mod 3, 2, 2, 2]} cut to that rank, grid
 * {@code [world, 1, 1, 1]} and position {@code [rank, 0, 0, 0]}. A client that supports fewer
 * dtypes (the Fortran module) declares a subset; the head checks whatever was declared.
 *
 * <p><b>Feedback.</b> The head answers GET from {@link #feedback(int)}: for every timestep
 * {@code t < timesteps}, {@code double} = {@code t + 0.25}, {@code long} = {@code 1000 + t},
 * {@code bool} = {@code t even}, {@code null} = null, {@code string} = {@code "s<t>"},
 * {@code doubles} = {@code [t, t + 0.5]}, {@code list} = {@code [t, "x", true]}, {@code map} =
 * {@code {"t": t}}.
 */
public final class ConformancePattern {
    private ConformancePattern() {}

    /** The value of element {@code index} of bridge {@code rank}'s chunk at {@code timestep}. */
    public static double value(int rank, long timestep, long index, DType dtype) {
        long v = Math.floorMod(31L * rank + 7L * timestep + index, 100L);
        return dtype == DType.FLOAT32 || dtype == DType.FLOAT64 ? v + 0.5 : v;
    }

    /** The little-endian bytes of bridge {@code rank}'s chunk of {@code metadata} at {@code timestep}. */
    public static byte[] chunk(ArrayMetadata metadata, int rank, long timestep) {
        DType dtype = metadata.dtype();
        int n = Math.toIntExact(metadata.chunkElementCount());
        ByteBuffer out = ByteBuffer.allocate(n * dtype.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            double v = value(rank, timestep, i, dtype);
            switch (dtype) {
                case INT8, UINT8 -> out.put((byte) v);
                case INT16, UINT16 -> out.putShort((short) v);
                case INT32, UINT32 -> out.putInt((int) v);
                case INT64, UINT64 -> out.putLong((long) v);
                case FLOAT32 -> out.putFloat((float) v);
                case FLOAT64 -> out.putDouble(v);
            }
        }
        return out.array();
    }

    /** The arrays of the full client for bridge {@code rank} of {@code world}, by name. */
    public static Map<String, ArrayMetadata> arrays(int rank, int world) {
        Map<String, ArrayMetadata> arrays = new LinkedHashMap<>();
        DType[] dtypes = DType.values();
        for (int k = 0; k < dtypes.length; k++) {
            int ndim = 1 + k % 4;
            int[] shape = new int[ndim];
            int[] grid = new int[ndim];
            int[] position = new int[ndim];
            for (int d = 0; d < ndim; d++) {
                shape[d] = d == 0 ? 2 + k % 3 : 2;
                grid[d] = d == 0 ? world : 1;
                position[d] = d == 0 ? rank : 0;
            }
            arrays.put("a_" + dtypes[k].numpyName(), ArrayMetadata.builder()
                    .chunkShape(shape).chunksPerDim(grid).chunkPosition(position).dtype(dtypes[k]).build());
        }
        return arrays;
    }

    /** The feedback values of timestep {@code t}, by key. */
    public static Map<String, Object> feedbackAt(long t) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("double", t + 0.25);
        values.put("long", 1000 + t);
        values.put("bool", t % 2 == 0);
        values.put("null", null);
        values.put("string", "s" + t);
        values.put("doubles", new double[] {t, t + 0.5});
        values.put("list", List.of(t, "x", true));
        values.put("map", Map.of("t", t));
        return values;
    }

    /** The whole feedback table of a run of {@code timesteps} timesteps, key by key, oldest first. */
    public static List<FeedbackTable.Entry> feedback(int timesteps) {
        List<FeedbackTable.Entry> entries = new ArrayList<>();
        for (String key : feedbackAt(0).keySet()) {
            for (long t = 0; t < timesteps; t++) {
                entries.add(new FeedbackTable.Entry(key, t, FeedbackCodec.encode(feedbackAt(t).get(key))));
            }
        }
        return entries;
    }
}
