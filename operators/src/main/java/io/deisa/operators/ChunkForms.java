package io.deisa.operators;

import io.deisa.analytics.ChunkAggregate;
import io.deisa.analytics.ChunkFunction;
import io.deisa.analytics.WindowSpec;

import org.apache.flink.annotation.Internal;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the job computes next to the data, derived from the callbacks' {@link WindowSpec}s: per
 * array name, the preprocessings of its chunks; the aggregations and the chunks they read; and
 * which streams are assembled into whole arrays. Each form is computed once per chunk however many
 * callbacks use it. Streams are named by {@link WindowSpec#streamKey()}.
 */
@Internal
public final class ChunkForms implements Serializable {
    private static final long serialVersionUID = 1L;

    /** One preprocessing of an array's chunks. */
    public record Preprocessing(String key, int[] outputChunkShape, ChunkFunction function) implements Serializable {}

    /** One aggregation of the chunks of stream {@code source} (an array name or a preprocessing key). */
    public record Aggregation(String key, String name, String source, ChunkAggregate<Object, Object> aggregate)
            implements Serializable {}

    private final Map<String, List<Preprocessing>> preprocessingsByName = new LinkedHashMap<>();
    private final Map<String, List<Aggregation>> aggregationsBySource = new LinkedHashMap<>();
    private final Set<String> wholeKeys = new LinkedHashSet<>();
    /** Array names with a preprocessing or an aggregation: their raw chunks go on only when assembled whole. */
    private final Set<String> transformedNames = new LinkedHashSet<>();
    /** Keys of preprocessed and aggregated streams. */
    private final Set<String> derivedKeys = new LinkedHashSet<>();

    /**
     * The forms of {@code specs}, and whole arrays for {@code wholeNames} (arrays written to sinks).
     */
    @SuppressWarnings("unchecked")
    public static ChunkForms of(Collection<WindowSpec> specs, Collection<String> wholeNames) {
        ChunkForms forms = new ChunkForms();
        forms.wholeKeys.addAll(wholeNames);
        Set<String> seen = new LinkedHashSet<>();
        for (WindowSpec spec : specs) {
            if (!spec.isAggregated()) {
                forms.wholeKeys.add(spec.streamKey());
            }
            if (spec.isPreprocessed() && seen.add(spec.preprocessKey())) {
                forms.transformedNames.add(spec.name());
                forms.derivedKeys.add(spec.preprocessKey());
                forms.preprocessingsByName.computeIfAbsent(spec.name(), n -> new ArrayList<>())
                        .add(new Preprocessing(spec.preprocessKey(), spec.outputChunkShape(), spec.preprocessor()));
            }
            if (spec.isAggregated() && seen.add(spec.streamKey())) {
                forms.transformedNames.add(spec.name());
                forms.derivedKeys.add(spec.streamKey());
                forms.aggregationsBySource.computeIfAbsent(spec.preprocessKey(), k -> new ArrayList<>())
                        .add(new Aggregation(spec.streamKey(), spec.name(), spec.preprocessKey(),
                                (ChunkAggregate<Object, Object>) spec.aggregation()));
            }
        }
        return forms;
    }

    /**
     * The aggregation of stream {@code key}.
     *
     * @throws IllegalStateException when this job has none of that key
     */
    public Aggregation aggregation(String key) {
        for (List<Aggregation> aggregations : aggregationsBySource.values()) {
            for (Aggregation aggregation : aggregations) {
                if (aggregation.key().equals(key)) {
                    return aggregation;
                }
            }
        }
        throw new IllegalStateException("Stream " + key + " matches no aggregation of this job");
    }

    /** Whether any chunk is preprocessed. */
    public boolean preprocesses() {
        return !preprocessingsByName.isEmpty();
    }

    /** Whether any stream is aggregated. */
    public boolean aggregates() {
        return !aggregationsBySource.isEmpty();
    }

    /** The preprocessings of array {@code name}'s chunks; empty if none. */
    public List<Preprocessing> preprocessingsOf(String name) {
        return preprocessingsByName.getOrDefault(name, List.of());
    }

    /** The aggregations that read stream {@code source}; empty if none. */
    public List<Aggregation> aggregationsOf(String source) {
        return aggregationsBySource.getOrDefault(source, List.of());
    }

    /**
     * Whether the chunks of stream {@code key} go on to be assembled: streams some callback or sink
     * reads whole, and the raw chunks of arrays nothing preprocesses or aggregates (so that an array
     * no callback requests is still checked and counted as before).
     */
    public boolean assembles(String key) {
        return wholeKeys.contains(key) || (!transformedNames.contains(key) && !derivedKeys.contains(key));
    }
}
