package io.deisa.operators;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;

/**
 * Gives every record the same key, {@link #KEY}, so that one keyed operator instance sees the
 * whole stream in order: {@link CallbackOperator} uses it to run all callbacks in timestep order
 * and, within a timestep, in registration order.
 *
 * <pre>{@code
 * arrays.keyBy(new ConstantKey<>()).process(new CallbackOperator(specs));
 * }</pre>
 *
 * @param <T> the record type
 */
@Internal
public final class ConstantKey<T> implements KeySelector<T, Integer>, ResultTypeQueryable<Integer> {

    private static final long serialVersionUID = 1L;

    /** The one key. */
    public static final int KEY = 0;

    @Override
    public Integer getKey(T record) {
        return KEY;
    }

    @Override
    public TypeInformation<Integer> getProducedType() {
        return Types.INT;
    }
}
