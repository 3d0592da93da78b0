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
    private final Map<String, List<Object>> aggregatesByName;

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
        this(timestep, windowsByName, Map.of());
    }

    /**
     * Creates the windows for one call of a callback that requested whole arrays ({@code
     * windowsByName}) and aggregated ones ({@code aggregatesByName}: per name, its window of
     * results, oldest first). Copies the maps and lists; a name in both maps is an error.
     */
    @Internal
    public Windows(long timestep, Map<String, List<DeisaArray>> windowsByName,
            Map<String, List<Object>> aggregatesByName) {
        Objects.requireNonNull(windowsByName, "windowsByName");
        Map<String, List<Object>> results = new LinkedHashMap<>();
        Objects.requireNonNull(aggregatesByName, "aggregatesByName").forEach((name, window) -> {
            if (windowsByName.containsKey(name)) {
                throw new IllegalArgumentException("Array '" + name + "' is both whole and aggregated");
            }
            results.put(Objects.requireNonNull(name, "array name"),
                    List.copyOf(Objects.requireNonNull(window, () -> "aggregates of " + name)));
        });
        this.aggregatesByName = Collections.unmodifiableMap(results);
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
            if (aggregatesByName.containsKey(arrayName)) {
                throw new IllegalArgumentException("Array '" + arrayName + "' is aggregated for this callback"
                        + " (WindowSpec.aggregate): read its results with Windows.aggregates(\"" + arrayName + "\")");
            }
            throw new IllegalArgumentException(
                    "Array '" + arrayName + "' was not requested by this callback; requested arrays: "
                            + names());
        }
        return window;
    }

    /**
     * The window of results of one aggregated array ({@link WindowSpec#aggregate}): oldest first, at
     * most {@link WindowSpec#windowSize()} results (fewer at the start of a run), one per timestep.
     *
     * <pre>{@code
     * List<Summary> last3 = windows.aggregates("temperature");   // WindowSpec.of("temperature", 3)
     *                                                             //   .aggregate(ChunkAggregates.summary())
     * }</pre>
     *
     * @param <R> the result type of the array's {@link ChunkAggregate}
     * @return an unmodifiable list
     * @throws IllegalArgumentException if the callback did not request {@code arrayName}, or
     *     requested it as whole arrays; the message says which
     */
    @SuppressWarnings("unchecked")
    public <R> List<R> aggregates(String arrayName) {
        List<Object> results = aggregatesByName.get(arrayName);
        if (results == null) {
            if (windowsByName.containsKey(arrayName)) {
                throw new IllegalArgumentException("Array '" + arrayName + "' is requested as whole arrays by this"
                        + " callback: read it with Windows.get(\"" + arrayName + "\"), or request it with"
                        + " WindowSpec.aggregate(...)");
            }
            throw new IllegalArgumentException(
                    "Array '" + arrayName + "' was not requested by this callback; requested arrays: " + names());
        }
        return (List<R>) results;
    }

    /** The timestep this call is for. */
    public long timestep() {
        return timestep;
    }

    /** The requested array names, whole ones first, in the order the windows were given; unmodifiable. */
    public Set<String> names() {
        Set<String> names = new java.util.LinkedHashSet<>(windowsByName.keySet());
        names.addAll(aggregatesByName.keySet());
        return Collections.unmodifiableSet(names);
    }

    @Override
    public String toString() {
        return "Windows{timestep=" + timestep + ", windows=" + windowsByName
                + (aggregatesByName.isEmpty() ? "" : ", aggregates=" + aggregatesByName) + '}';
    }
}
