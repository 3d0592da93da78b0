package io.deisa.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deisa.analytics.DeisaArray;
import io.deisa.analytics.When;
import io.deisa.analytics.WindowSpec;
import io.deisa.operators.CallbackSpec;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

import java.util.List;

/** {@link Deisa#writeArrays}: validation and the operators it adds (runs end to end in deisa-sinks' SinksITCase). */
class WriteArraysTest {
    private static final Sink<DeisaArray> DISCARD = new DiscardingSink<>();

    @Test
    void rejectsBlankNamesAndNullSinks() {
        Deisa deisa = new Deisa();
        assertThatThrownBy(() -> deisa.writeArrays(" ", DISCARD))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("arrayName");
        assertThatThrownBy(() -> deisa.writeArrays("a", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sink");
    }

    @Test
    void addsOneSelectAndOneSingleWriterPerArray() {
        AnalyticsJob job = new AnalyticsJob(
                List.of(CallbackSpec.of(0, (w, c) -> { }, List.of(WindowSpec.of("a")), When.AND, null)),
                List.of(new AnalyticsJob.ArrayOutput("b", DISCARD)),
                DeisaOptions.builder().build());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(job.configuration());
        job.build(env);

        List<StreamNode> nodes = List.copyOf(env.getStreamGraph().getStreamNodes());
        assertThat(nodes).extracting(StreamNode::getOperatorName).anyMatch(name -> name.contains("Select 'b'"));
        assertThat(nodes).filteredOn(node -> node.getOperatorName().contains("Write 'b'"))
                .singleElement().extracting(StreamNode::getParallelism).isEqualTo(1);
    }
}
