package io.deisa.job;

import io.deisa.analytics.DeisaArray;
import io.deisa.analytics.WindowSpec;
import io.deisa.connector.source.BridgeSource;
import io.deisa.connector.source.BridgeSourceOptions;
import io.deisa.connector.source.ChunkRecord;
import io.deisa.operators.ArrayTimestepKey;
import io.deisa.operators.AssembledArray;
import io.deisa.operators.CallbackOperator;
import io.deisa.operators.CallbackSpec;
import io.deisa.operators.ChunkAssembler;
import io.deisa.operators.ChunkForms;
import io.deisa.operators.ChunkPreprocessor;
import io.deisa.operators.ConstantKey;
import io.deisa.operators.FeedbackPublisher;
import io.deisa.operators.PartialAggregator;
import io.deisa.operators.PartialKey;
import io.deisa.operators.PartialMerger;
import io.deisa.operators.TimestepCompleted;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The analytics job graph:
 *
 * <pre>
 * Bridge source (one split per bridge, timestep = event time)
 *   → keyBy(array, timestep) → Assemble arrays (chunks as MapState entries)
 *     → keyBy(constant) → Analytics callbacks (windows, AND/OR on event-time timers)
 *       └ side output: feedback → Publish feedback and progress (broadcast state → head)
 *   → (per Deisa.writeArrays) filter(array name) → Write 'name' (the user's sink, parallelism 1)
 * </pre>
 *
 * <p>With one reader (parallelism 1, the default) the two {@code keyBy}s are reinterpreted, not
 * shuffled: every key belongs to the single subtask, so the whole pipeline is one chained task
 * and chunks and arrays pass between the operators by reference, with no serialization, no network
 * buffer and no buffer timeout on the way (ADR 0005). With more readers, chunks are shuffled to
 * the assemblers by (array, timestep) and arrays to the single callback subtask.
 *
 * <p>Defaults applied under the user's configuration: no Kryo ({@code pipeline.generic-types:
 * false}), object reuse (chunks are never mutated, so chained operators skip a deep copy), a 5 ms
 * network buffer timeout, the web UI on the first free port from 8081 on, and, with {@link
 * DeisaOptions#checkpointInterval()} > 0, checkpoints at that interval with a fixed-delay restart
 * strategy ({@value
 * #RESTART_ATTEMPTS} attempts, 1 s apart), bridges keeping their chunks until a completed
 * checkpoint covers them; with {@code ZERO}, no checkpoint and no restart.
 */
@Internal
final class AnalyticsJob {
    static final String JOB_NAME = "deisa analytics";
    /** Default restart strategy with checkpoints: a few attempts, close together. */
    static final int RESTART_ATTEMPTS = 3;
    static final Duration RESTART_DELAY = Duration.ofSeconds(1);

    /** An array written to a sink at every timestep, see {@link Deisa#writeArrays}. */
    record ArrayOutput(String arrayName, Sink<DeisaArray> sink) {}

    private final List<CallbackSpec> callbacks;
    private final List<ArrayOutput> outputs;
    private final DeisaOptions options;

    AnalyticsJob(List<CallbackSpec> callbacks, List<ArrayOutput> outputs, DeisaOptions options) {
        this.callbacks = callbacks;
        this.outputs = outputs;
        this.options = options;
    }

    /** The Flink configuration of the job: defaults, then the user's settings. */
    Configuration configuration() {
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        conf.set(PipelineOptions.OBJECT_REUSE, true);
        conf.set(ExecutionOptions.BUFFER_TIMEOUT, Duration.ofMillis(5));
        if (options.checkpointInterval().isZero()) {
            conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        } else {
            conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, options.checkpointInterval());
            conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
            conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, RESTART_ATTEMPTS);
            conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, RESTART_DELAY);
        }
        conf.set(RestOptions.BIND_PORT, WebUiPort.FIRST + "-" + WebUiPort.LAST);
        conf.addAll(options.configuration());
        if (!options.configuration().contains(RestOptions.BIND_PORT)
                && !options.configuration().contains(RestOptions.PORT)) {
            conf.set(RestOptions.BIND_PORT, WebUiPort.firstFree() + "-" + WebUiPort.LAST);
        }
        conf.set(BridgeSourceOptions.HEAD, options.head());
        options.parallelism().ifPresent(p -> conf.set(
                org.apache.flink.configuration.CoreOptions.DEFAULT_PARALLELISM, p));
        return conf;
    }

    /** Adds the job's operators to {@code env}. */
    void build(StreamExecutionEnvironment env) {
        Set<String> requested = new TreeSet<>();
        for (CallbackSpec callback : callbacks) {
            callback.arrays().stream().map(WindowSpec::name).forEach(requested::add);
        }
        outputs.forEach(output -> requested.add(output.arrayName()));
        Configuration sourceConf = new Configuration();
        sourceConf.addAll(options.configuration());
        sourceConf.set(BridgeSourceOptions.HEAD, options.head());
        sourceConf.set(BridgeSourceOptions.MAX_SIMULATION_AHEAD, options.maxSimulationAhead());
        sourceConf.set(BridgeSourceOptions.FEEDBACK_QUEUE_SIZE, options.feedbackQueueSize());
        sourceConf.set(BridgeSourceOptions.REPLAY, !options.checkpointInterval().isZero());
        int readers = options.parallelism().orElse(1);
        DataStream<ChunkRecord> chunks = env.fromSource(
                        new BridgeSource(sourceConf, requested), WatermarkStrategy.noWatermarks(),
                        "Bridges (head " + options.head() + ")")
                .setParallelism(readers)
                .uid("deisa-bridge-source");
        List<WindowSpec> specs = new ArrayList<>();
        callbacks.forEach(callback -> specs.addAll(callback.arrays()));
        ChunkForms forms = ChunkForms.of(specs, outputs.stream().map(ArrayOutput::arrayName).toList());
        if (forms.preprocesses()) {
            // chained to the source: chunks are preprocessed in the task that read them
            chunks = chunks.flatMap(new ChunkPreprocessor(forms, options.head()))
                    .name("Preprocess chunks")
                    .uid("deisa-preprocess-chunks")
                    .setParallelism(readers);
        }
        SingleOutputStreamOperator<ChunkRecord> combined = null;
        if (forms.aggregates()) {
            combined = chunks.transform("Combine partials", TypeInformation.of(ChunkRecord.class),
                            new PartialAggregator(forms))
                    .uid("deisa-combine-partials")
                    .setParallelism(readers);
            chunks = combined;
        }
        SingleOutputStreamOperator<AssembledArray> arrays = byKey(chunks, new ArrayTimestepKey(), readers)
                .process(new ChunkAssembler())
                .name("Assemble arrays")
                .uid("deisa-assemble-arrays")
                .setParallelism(readers);
        DataStream<AssembledArray> toCallbacks = arrays;
        if (combined != null) {
            toCallbacks = arrays.union(byKey(combined.getSideOutput(PartialAggregator.PARTIALS), new PartialKey(),
                            readers)
                    .process(new PartialMerger(forms))
                    .name("Merge partials")
                    .uid("deisa-merge-partials")
                    .setParallelism(readers));
        }
        SingleOutputStreamOperator<TimestepCompleted> completed = byKey(toCallbacks, new ConstantKey<>(), readers)
                .process(new CallbackOperator(callbacks))
                .name("Analytics callbacks")
                .uid("deisa-callbacks")
                .setParallelism(1)
                .setMaxParallelism(1);
        completed.sinkTo(new DiscardingSink<>()).name("Timesteps analysed").uid("deisa-timesteps").setParallelism(1);
        completed.getSideOutput(CallbackOperator.FEEDBACK)
                .transform("Publish feedback and progress", Types.VOID, new FeedbackPublisher(
                        options.head(), options.feedbackQueueSize(),
                        sourceConf.get(BridgeSourceOptions.READER_CONNECT_TIMEOUT)))
                .setParallelism(1)
                .setMaxParallelism(1)
                .uid("deisa-feedback");
        for (int i = 0; i < outputs.size(); i++) {
            String name = outputs.get(i).arrayName();
            arrays.filter((FilterFunction<AssembledArray>) array -> name.equals(array.name))
                    .name("Select '" + name + "'")
                    .uid("deisa-select-" + i)
                    .setParallelism(readers)
                    .sinkTo(new DeisaArraySink(outputs.get(i).sink()))
                    .name("Write '" + name + "'")
                    .uid("deisa-write-" + i)
                    .setParallelism(1);
        }
    }

    /**
     * {@code stream} keyed by {@code key}: reinterpreted in place when a single subtask holds every
     * key ({@code readers == 1}, so the operators chain), shuffled otherwise.
     */
    private static <T, K> KeyedStream<T, K> byKey(DataStream<T> stream, KeySelector<T, K> key, int readers) {
        if (readers == 1) {
            return DataStreamUtils.reinterpretAsKeyedStream(stream, key);
        }
        return stream.keyBy(key);
    }

    /**
     * Adapts a user's {@code Sink<DeisaArray>} to the job's assembled arrays: each record is
     * wrapped as a {@link DeisaArray} (no copy) in the writer, so the stream between the operators
     * keeps Flink's POJO serializer for {@link AssembledArray}.
     */
    static final class DeisaArraySink implements Sink<AssembledArray> {
        private static final long serialVersionUID = 1L;
        private final Sink<DeisaArray> sink;

        DeisaArraySink(Sink<DeisaArray> sink) {
            this.sink = sink;
        }

        @Override
        public SinkWriter<AssembledArray> createWriter(WriterInitContext context) throws IOException {
            SinkWriter<DeisaArray> writer = sink.createWriter(context);
            return new SinkWriter<>() {
                @Override
                public void write(AssembledArray array, Context context) throws IOException, InterruptedException {
                    writer.write(array.toDeisaArray(), context);
                }

                @Override
                public void flush(boolean endOfInput) throws IOException, InterruptedException {
                    writer.flush(endOfInput);
                }

                @Override
                public void close() throws Exception {
                    writer.close();
                }
            };
        }
    }
}
