package io.deisa.operators;

import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.InstantiationUtil;

import java.util.function.Supplier;
import java.util.stream.Stream;

/** Opens Flink's keyed operator harness the way a job would run the function. */
final class Harnesses {

    /** State backends the operator tests run on. */
    enum Backend {
        HEAP(HashMapStateBackend::new),
        ROCKSDB(EmbeddedRocksDBStateBackend::new);

        private final Supplier<StateBackend> factory;

        Backend(Supplier<StateBackend> factory) {
            this.factory = factory;
        }
    }

    private Harnesses() {}

    /**
     * Opens a harness for a serialized copy of {@code function} (as a job ships it), on {@code
     * backend}, with generic types (Kryo) disabled as in {@code pipeline.generic-types: false}.
     */
    static <K, IN, OUT> KeyedOneInputStreamOperatorTestHarness<K, IN, OUT> open(
            KeyedProcessFunction<K, IN, OUT> function,
            KeySelector<IN, K> key,
            TypeInformation<K> keyType,
            Backend backend)
            throws Exception {
        KeyedProcessFunction<K, IN, OUT> shipped =
                InstantiationUtil.clone(function, Harnesses.class.getClassLoader());
        KeyedOneInputStreamOperatorTestHarness<K, IN, OUT> harness =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(shipped), key, keyType);
        ((SerializerConfigImpl) harness.getExecutionConfig().getSerializerConfig())
                .setGenericTypes(false);
        harness.setStateBackend(backend.factory.get());
        harness.open();
        return harness;
    }

    /**
     * Number of (key, state) pairs holding a value of the named states, on any backend (the
     * harness' {@code numKeyedStateEntries()} supports the heap backend only).
     */
    static long keyedStateEntries(
            KeyedOneInputStreamOperatorTestHarness<?, ?, ?> harness, String... stateNames) {
        KeyedStateBackend<?> backend = harness.getOperator().getKeyedStateBackend();
        long entries = 0;
        for (String name : stateNames) {
            try (Stream<?> keys = backend.getKeys(name, VoidNamespace.INSTANCE)) {
                entries += keys.count();
            }
        }
        return entries;
    }

    /** Number of entries of one {@code MapState} of {@code key}, on any backend. */
    static <K, UK, UV> int mapEntries(
            KeyedOneInputStreamOperatorTestHarness<K, ?, ?> harness,
            K key,
            MapStateDescriptor<UK, UV> descriptor)
            throws Exception {
        KeyedStateBackend<K> backend = harness.getOperator().getKeyedStateBackend();
        backend.setCurrentKey(key);
        MapState<UK, UV> state =
                backend.getPartitionedState(
                        VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, descriptor);
        int entries = 0;
        for (UK ignored : state.keys()) {
            entries++;
        }
        return entries;
    }
}
