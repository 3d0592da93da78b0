package io.deisa.operators;

import io.deisa.connector.source.ChunkRecord;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;

/**
 * Keys chunks by (array name, timestep): all chunks of one distributed array at one timestep meet
 * in one {@link ChunkAssembler} key.
 *
 * <pre>{@code
 * chunks.keyBy(new ArrayTimestepKey()).process(new ChunkAssembler());
 * }</pre>
 *
 * <p>The key type is a {@code Tuple2<String, Long>} with Flink's tuple serializer (see {@link
 * #TYPE}), never Kryo.
 */
@Internal
public final class ArrayTimestepKey
        implements KeySelector<ChunkRecord, Tuple2<String, Long>>,
                ResultTypeQueryable<Tuple2<String, Long>> {

    private static final long serialVersionUID = 1L;

    /** Type information of the key. */
    public static final TypeInformation<Tuple2<String, Long>> TYPE =
            Types.TUPLE(Types.STRING, Types.LONG);

    @Override
    public Tuple2<String, Long> getKey(ChunkRecord chunk) {
        return Tuple2.of(chunk.arrayName, chunk.timestep);
    }

    @Override
    public TypeInformation<Tuple2<String, Long>> getProducedType() {
        return TYPE;
    }
}
