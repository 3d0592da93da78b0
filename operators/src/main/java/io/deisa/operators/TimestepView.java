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

    /**
     * @param names every array name that callbacks request; their retained timesteps are read here,
     *     once
     */
    TimestepView(WindowStore store, long timestep, Set<String> names) throws Exception {
        this.store = store;
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

    /** For each requested array, its newest {@code windowSize} arrays up to this timestep. */
    Windows windowsFor(List<WindowSpec> arrays) throws Exception {
        Map<String, List<DeisaArray>> windows = new LinkedHashMap<>();
        for (WindowSpec spec : arrays) {
            long[] retained = timestepsByName.get(spec.name());
            int end = upTo(spec.name());
            List<DeisaArray> window = new ArrayList<>();
            for (int i = Math.max(0, end - spec.windowSize()); i < end; i++) {
                window.add(load(spec.name(), retained[i]));
            }
            windows.put(spec.name(), window);
        }
        return new Windows(timestep, windows);
    }

    private int upTo(String name) {
        return WindowStore.countUpTo(timestepsByName.get(name), timestep);
    }

    private DeisaArray load(String name, long arrayTimestep) throws Exception {
        String key = WindowStore.arrayKey(name, arrayTimestep);
        DeisaArray array = loaded.get(key);
        if (array == null) {
            array = store.load(name, arrayTimestep);
            loaded.put(key, array);
        }
        return array;
    }
}
