package io.deisa.operators;

import io.deisa.analytics.DeisaArray;
import io.deisa.analytics.WindowSpec;
import io.deisa.analytics.Windows;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the callbacks of one timestep see: which names are new at it, which have data at or before
 * it, and their windows. Arrays of later timesteps that are already retained stay invisible.
 *
 * <p>Lives for one timer firing of {@link CallbackOperator}; reads each retained array from state
 * at most once, however many callbacks share it.
 */
final class TimestepView {

    private final WindowStore store;
    private final long timestep;
    private final Set<String> newNames;
    private final Map<String, long[]> timestepsByName = new HashMap<>();
    private final Map<String, DeisaArray> loaded = new HashMap<>();
    private final Map<String, Object> loadedAggregates = new HashMap<>();
    private final ClassLoader loader;

    /**
     * @param names every stream key that callbacks request; their retained timesteps are read here,
     *     once
     * @param loader the user code class loader, for aggregate results
     */
    TimestepView(WindowStore store, long timestep, Set<String> names, ClassLoader loader) throws Exception {
        this.store = store;
        this.loader = loader;
        this.timestep = timestep;
        this.newNames = store.newNamesAt(timestep);
        for (String name : names) {
            timestepsByName.put(name, store.timesteps(name));
        }
    }

    /** Names that got an array at this timestep. */
    Set<String> newNames() {
        return newNames;
    }

    /** Whether {@code name} got an array at this timestep. */
    boolean isNew(String name) {
        return newNames.contains(name);
    }

    /** Whether {@code name} has a retained array at or before this timestep. */
    boolean hasData(String name) {
        return upTo(name) > 0;
    }

    /**
     * For each requested array, its newest {@code windowSize} arrays, or aggregate results, up to
     * this timestep; streams are looked up by {@link WindowSpec#streamKey()}.
     */
    Windows windowsFor(List<WindowSpec> arrays) throws Exception {
        Map<String, List<DeisaArray>> windows = new LinkedHashMap<>();
        Map<String, List<Object>> aggregates = new LinkedHashMap<>();
        for (WindowSpec spec : arrays) {
            String key = spec.streamKey();
            long[] retained = timestepsByName.get(key);
            int end = upTo(key);
            if (spec.isAggregated()) {
                List<Object> results = new ArrayList<>();
                for (int i = Math.max(0, end - spec.windowSize()); i < end; i++) {
                    results.add(loadAggregate(key, retained[i]));
                }
                aggregates.put(spec.name(), results);
            } else {
                List<DeisaArray> window = new ArrayList<>();
                for (int i = Math.max(0, end - spec.windowSize()); i < end; i++) {
                    window.add(load(key, retained[i], spec.name()));
                }
                windows.put(spec.name(), window);
            }
        }
        return new Windows(timestep, windows, aggregates);
    }

    private int upTo(String name) {
        return WindowStore.countUpTo(timestepsByName.get(name), timestep);
    }

    private DeisaArray load(String key, long arrayTimestep, String name) throws Exception {
        String cacheKey = WindowStore.arrayKey(key, arrayTimestep);
        DeisaArray array = loaded.get(cacheKey);
        if (array == null) {
            array = store.load(key, arrayTimestep, name);
            loaded.put(cacheKey, array);
        }
        return array;
    }

    private Object loadAggregate(String key, long arrayTimestep) throws Exception {
        String cacheKey = WindowStore.arrayKey(key, arrayTimestep);
        Object result = loadedAggregates.get(cacheKey);
        if (result == null) {
            result = store.loadAggregate(key, arrayTimestep, loader);
            loadedAggregates.put(cacheKey, result);
        }
        return result;
    }
}
