package io.deisa.operators;

import io.deisa.analytics.DeisaArray;

import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.BasicArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The arrays {@link CallbackOperator} retains for windows, in keyed state of the current key.
 *
 * <p>State layout (all {@code MapState}, so that RocksDB stores every chunk as its own entry and
 * never one value above its 2 GiB limit):
 *
 * <ul>
 *   <li>{@code window-chunks}: {@link #chunkKey chunk key} (name, timestep, linear chunk index) →
 *       chunk bytes;
 *   <li>{@code window-layouts}: {@link #arrayKey array key} (name, timestep) → {@link
 *       ArrayLayout};
 *   <li>{@code window-timesteps}: name → its retained timesteps, sorted ascending;
 *   <li>{@code new-names-at}: timestep → names that got an array at that timestep and whose
 *       timer has not fired yet.
 * </ul>
 *
 * Keys join their parts with {@code '\0'}; the timestep and index parts are numbers, so keys are
 * unique whatever characters array names contain.
 *
 * <p>Not thread-safe, except {@link #retainedArrays()}, which metric reporters may call.
 */
final class WindowStore {

    private static final char SEPARATOR = '\0';

    private final MapState<String, byte[]> chunks;
    private final MapState<String, ArrayLayout> layouts;
    private final MapState<String, long[]> timesteps;
    private final MapState<Long, String[]> newNamesAt;
    /** Results of aggregated streams (Java-serialized), by {@link #arrayKey}. */
    private final MapState<String, byte[]> aggregates;

    /** Retained arrays per name, as last written to {@link #timesteps}; bounded by the names. */
    private final Map<String, Integer> retainedByName = new HashMap<>();

    private volatile int retainedArrays;

    WindowStore(RuntimeContext context) {
        this.chunks = context.getMapState(chunksDescriptor());
        this.layouts = context.getMapState(layoutsDescriptor());
        this.timesteps = context.getMapState(timestepsDescriptor());
        this.newNamesAt = context.getMapState(newNamesDescriptor());
        this.aggregates = context.getMapState(aggregatesDescriptor());
    }

    static MapStateDescriptor<String, byte[]> aggregatesDescriptor() {
        return new MapStateDescriptor<>(
                "window-aggregates", Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    }

    static MapStateDescriptor<String, byte[]> chunksDescriptor() {
        return new MapStateDescriptor<>(
                "window-chunks", StringSerializer.INSTANCE, ChunkBytesSerializer.INSTANCE);
    }

    static MapStateDescriptor<String, ArrayLayout> layoutsDescriptor() {
        return new MapStateDescriptor<>(
                "window-layouts", Types.STRING, TypeInformation.of(ArrayLayout.class));
    }

    static MapStateDescriptor<String, long[]> timestepsDescriptor() {
        return new MapStateDescriptor<>(
                "window-timesteps",
                Types.STRING,
                PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO);
    }

    static MapStateDescriptor<Long, String[]> newNamesDescriptor() {
        return new MapStateDescriptor<>(
                "new-names-at", Types.LONG, BasicArrayTypeInfo.STRING_ARRAY_TYPE_INFO);
    }

    /** Key of an array's layout: "name\0timestep". */
    static String arrayKey(String name, long timestep) {
        return name + SEPARATOR + timestep;
    }

    /** Key of one chunk: "name\0timestep\0index". */
    static String chunkKey(String name, long timestep, int linearIndex) {
        return arrayKey(name, timestep) + SEPARATOR + linearIndex;
    }

    /** Number of entries of an ascending array that are {@code <= timestep}. */
    static int countUpTo(long[] ascending, long timestep) {
        int position = Arrays.binarySearch(ascending, timestep);
        return position >= 0 ? position + 1 : -position - 1;
    }

    /**
     * Retains an array and records its name as new at its timestep.
     *
     * @throws IllegalStateException if an array of that name and timestep is already retained
     */
    void add(AssembledArray array) throws Exception {
        String arrayKey = arrayKey(array.name, array.timestep);
        if (layouts.contains(arrayKey) || aggregates.contains(arrayKey)) {
            throw new IllegalStateException(
                    "Array '"
                            + array.name
                            + "' at timestep "
                            + array.timestep
                            + " arrived twice at the callbacks");
        }
        if (array.isAggregate()) {
            aggregates.put(arrayKey, array.aggregate);
        } else {
            layouts.put(arrayKey, array.layout());
            for (int index = 0; index < array.chunks.length; index++) {
                chunks.put(chunkKey(array.name, array.timestep, index), array.chunks[index]);
            }
        }

        long[] before = timesteps(array.name);
        int at = countUpTo(before, array.timestep);
        long[] after = new long[before.length + 1];
        System.arraycopy(before, 0, after, 0, at);
        after[at] = array.timestep;
        System.arraycopy(before, at, after, at + 1, before.length - at);
        writeTimesteps(array.name, after);

        String[] names = newNamesAt.get(array.timestep);
        String[] updated = names == null ? new String[1] : Arrays.copyOf(names, names.length + 1);
        updated[updated.length - 1] = array.name;
        newNamesAt.put(array.timestep, updated);
    }

    /** Names that got an array at {@code timestep}, in arrival order. */
    Set<String> newNamesAt(long timestep) throws Exception {
        String[] names = newNamesAt.get(timestep);
        return names == null ? Set.of() : new LinkedHashSet<>(List.of(names));
    }

    /** Retained timesteps of {@code name}, ascending; empty if none. */
    long[] timesteps(String name) throws Exception {
        long[] retained = timesteps.get(name);
        return retained == null ? new long[0] : retained;
    }

    /** Reads a retained array; the chunk bytes are those of the state backend, not copied again. */
    DeisaArray load(String name, long timestep) throws Exception {
        return load(name, timestep, name);
    }

    /**
     * Reads the retained array of stream {@code key}, named {@code name} for the callbacks; the
     * chunk bytes are those of the state backend, not copied again.
     */
    DeisaArray load(String key, long timestep, String name) throws Exception {
        ArrayLayout layout = layouts.get(arrayKey(key, timestep));
        byte[][] loaded = new byte[layout.chunkCount()][];
        for (int index = 0; index < loaded.length; index++) {
            loaded[index] = chunks.get(chunkKey(key, timestep, index));
        }
        return DeisaArray.fromChunks(
                name, timestep, layout.dtype, layout.chunkShape, layout.chunksPerDim, loaded);
    }

    /** Reads the retained result of aggregated stream {@code key} at {@code timestep}. */
    Object loadAggregate(String key, long timestep, ClassLoader loader) throws Exception {
        return org.apache.flink.util.InstantiationUtil.deserializeObject(aggregates.get(arrayKey(key, timestep)), loader);
    }

    /**
     * Drops the oldest arrays of {@code name} so that at most {@code keep} of those with a
     * timestep {@code <= timestep} remain; later ones are untouched.
     */
    void evict(String name, long timestep, int keep) throws Exception {
        long[] retained = timesteps(name);
        int drop = countUpTo(retained, timestep) - keep;
        if (drop <= 0) {
            return;
        }
        for (int i = 0; i < drop; i++) {
            remove(name, retained[i]);
        }
        writeTimesteps(name, Arrays.copyOfRange(retained, drop, retained.length));
    }

    /** Forgets which names were new at {@code timestep}, once its timer has fired. */
    void finish(long timestep) throws Exception {
        newNamesAt.remove(timestep);
    }

    /**
     * Arrays retained for windows, as far as this instance has written them since it started
     * (after a restore, names count once they are written again). Safe to call from any thread.
     */
    int retainedArrays() {
        return retainedArrays;
    }

    private void remove(String name, long timestep) throws Exception {
        String arrayKey = arrayKey(name, timestep);
        if (aggregates.contains(arrayKey)) {
            aggregates.remove(arrayKey);
            return;
        }
        int chunkCount = layouts.get(arrayKey).chunkCount();
        for (int index = 0; index < chunkCount; index++) {
            chunks.remove(chunkKey(name, timestep, index));
        }
        layouts.remove(arrayKey);
    }

    private void writeTimesteps(String name, long[] ascending) throws Exception {
        timesteps.put(name, ascending);
        retainedByName.put(name, ascending.length);
        retainedArrays = retainedByName.values().stream().mapToInt(Integer::intValue).sum();
    }
}
