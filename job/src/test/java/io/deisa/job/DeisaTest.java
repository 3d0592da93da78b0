package io.deisa.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deisa.analytics.AnalyticsCallback;
import io.deisa.analytics.When;
import io.deisa.analytics.WindowSpec;
import io.deisa.connector.source.BridgeSourceOptions;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

class DeisaTest {
    private static final AnalyticsCallback NOOP = (w, c) -> { };

    @Test
    void registrationReturnsTheCallbackAndValidatesArrays() {
        Deisa deisa = new Deisa();
        assertThat(deisa.registerCallback(NOOP, List.of(WindowSpec.of("a")))).isSameAs(NOOP);
        assertThat(deisa.callback(WindowSpec.of("a"), WindowSpec.of("b", 3)).when(When.OR).register(NOOP))
                .isSameAs(NOOP);
        assertThatThrownBy(() -> deisa.registerCallback(NOOP, List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> deisa.callback().register(NOOP)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> deisa.registerCallback(NOOP, List.of(WindowSpec.of("a"), WindowSpec.of("a", 2))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a'");
    }

    @Test
    void executingWithoutCallbacksFailsBeforeStartingAnything() {
        assertThatThrownBy(() -> new Deisa().executeCallbacks())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("No callback");
    }

    @Test
    void optionsHaveDefaultsAndRejectInvalidValues() {
        DeisaOptions defaults = DeisaOptions.builder().build();
        assertThat(defaults.maxSimulationAhead()).isEqualTo(1);
        assertThat(defaults.feedbackQueueSize()).isEqualTo(1024);
        assertThat(defaults.parallelism()).isEmpty();
        String env = System.getenv("DEISA_HEAD");
        assertThat(defaults.head()).isEqualTo(env == null || env.isBlank() ? "127.0.0.1:29600" : env.trim());
        assertThatThrownBy(() -> DeisaOptions.builder().maxSimulationAhead(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxSimulationAhead");
        assertThatThrownBy(() -> DeisaOptions.builder().feedbackQueueSize(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("feedbackQueueSize");
        assertThatThrownBy(() -> DeisaOptions.builder().parallelism(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("parallelism");
        assertThatThrownBy(() -> DeisaOptions.builder().head("nohostport"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nohostport");
        assertThatThrownBy(() -> DeisaOptions.builder().configuration(null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(DeisaOptions.builder().maxSimulationAhead(0).build().maxSimulationAhead()).isZero();
    }

    @Test
    void theJobTurnsKryoOffAndLetsTheUserOverrideDefaults() {
        Configuration user = Configuration.fromMap(Map.of(
                "execution.buffer-timeout.interval", "1 ms", "state.backend.type", "rocksdb"));
        DeisaOptions options = DeisaOptions.builder().head("0.0.0.0:4242").configuration(user).parallelism(3).build();
        Configuration conf = new AnalyticsJob(List.of(), List.of(), options).configuration();
        assertThat(conf.get(PipelineOptions.GENERIC_TYPES)).isFalse();
        assertThat(conf.get(PipelineOptions.OBJECT_REUSE)).isTrue();
        assertThat(conf.get(ExecutionOptions.BUFFER_TIMEOUT)).isEqualTo(Duration.ofMillis(1));
        assertThat(conf.getString("state.backend.type", null)).isEqualTo("rocksdb");
        assertThat(conf.get(BridgeSourceOptions.HEAD)).isEqualTo("0.0.0.0:4242");

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        assertThat(env.getConfig().getSerializerConfig().hasGenericTypesDisabled()).isTrue();
        assertThat(env.getConfig().isObjectReuseEnabled()).isTrue();
        assertThat(env.getParallelism()).isEqualTo(3);
    }

    @Test
    void theWebUiStartsOnTheFirstFreePortUnlessTheUserChoseOne() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket()) {
            taken.setReuseAddress(true);
            boolean bound;
            try {
                taken.bind(new java.net.InetSocketAddress(WebUiPort.firstFree()));
                bound = true;
            } catch (java.io.IOException e) {
                bound = false;
            }
            Configuration conf = new AnalyticsJob(List.of(), List.of(), DeisaOptions.builder().build()).configuration();
            int first = WebUiPort.first(conf.get(org.apache.flink.configuration.RestOptions.BIND_PORT));
            assertThat(first).isBetween(WebUiPort.FIRST, WebUiPort.LAST);
            if (bound) {
                assertThat(first).isNotEqualTo(taken.getLocalPort());
            }
        }
        Configuration user = Configuration.fromMap(Map.of("rest.bind-port", "9999"));
        Configuration conf = new AnalyticsJob(List.of(), List.of(), DeisaOptions.builder().configuration(user).build())
                .configuration();
        assertThat(conf.get(org.apache.flink.configuration.RestOptions.BIND_PORT)).isEqualTo("9999");
        assertThat(WebUiPort.first("8083-8181")).isEqualTo(8083);
    }
}
