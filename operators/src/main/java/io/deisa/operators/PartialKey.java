package io.deisa.operators;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.tuple.Tuple2;

/** Keys partials by (stream key, timestep), for {@link PartialMerger}. */
@Internal
public final class PartialKey implements KeySelector<PartialAggregate, Tuple2<String, Long>> {
    private static final long serialVersionUID = 1L;

    @Override
    public Tuple2<String, Long> getKey(PartialAggregate partial) {
        return Tuple2.of(partial.key, partial.timestep);
    }
}
