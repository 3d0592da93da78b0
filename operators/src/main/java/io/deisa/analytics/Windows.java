package io.deisa.analytics;

import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.PublicEvolving;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The windows one {@link AnalyticsCallback} call receives: for each requested array name, the
 * arrays of its most recent timesteps, oldest first.
 *
 * <pre>{@code
 * AnalyticsCallback cb = (windows, context) -> {
 *     List<DeisaArray> pressure = windows.get("pressure");        // WindowSpec.of("pressure", 2)
 *     if (pressure.size() == 2) {                                  // shorter at the start of a run
 *         DeisaArray change = pressure.get(1).minus(pressure.get(0));
 *         System.out.println("t=" + windows.timestep() + " max change " + change.max());
 *     }
 * };
 * }</pre>
 *
 * <p>Instances are immutable.
 */
@PublicEvolving
public final class Windows {

    private final long timestep;
    private final Map<String, List<DeisaArray>> windowsByName;

    /**
     * Creates the windows for one call. Copies the map and the lists (unmodifiable copies that keep
     * the iteration order of {@code windowsByName}); the arrays themselves are shared.
     *
     * @param timestep the timestep the call is for
     * @param windowsByName for each requested array name, its window, oldest first
     * @throws NullPointerException if the map, a name, a list or an array is null
     */
    @Internal
    public Windows(long timestep, Map<String, List<DeisaArray>> windowsByName) {
        Objects.requireNonNull(windowsByName, "windowsByName");
        Map<String, List<DeisaArray>> copy = new LinkedHashMap<>();
        windowsByName.forEach(
                (name, window) ->
                        copy.put(
                                Objects.requireNonNull(name, "array name"),
                                List.copyOf(Objects.requireNonNull(window, () -> "window of " + name))));
        this.timestep = timestep;
        this.windowsByName = Collections.unmodifiableMap(copy);
    }

    /**
     * The window of one requested array: oldest first, at most {@link WindowSpec#windowSize()}
     * arrays (fewer at the start of a run).
     *
     * @param arrayName a name the callback requested
     * @return an unmodifiable list
     * @throws IllegalArgumentException if the callback did not request {@code arrayName}; the
     *     message lists the requested names
     */
    public List<DeisaArray> get(String arrayName) {
        List<DeisaArray> window = windowsByName.get(arrayName);
        if (window == null) {
            throw new IllegalArgumentException(
                    "Array '" + arrayName + "' was not requested by this callback; requested arrays: "
                            + windowsByName.keySet());
        }
        return window;
    }

    /** The timestep this call is for. */
    public long timestep() {
        return timestep;
    }

    /** The requested array names, in the order the windows were given; unmodifiable. */
    public Set<String> names() {
        return windowsByName.keySet();
    }

    @Override
    public String toString() {
        return "Windows{timestep=" + timestep + ", windows=" + windowsByName + '}';
    }
}
