package io.deisa.bench.process;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JvmCommandTest {

    @Test
    void theAnalyticsJvmGetsTheSessionClustersTaskManagerOptions() {
        // Maven runs the tests in the module directory; the configuration is at the repository root.
        List<String> options = JvmCommand.taskManagerOptions(Path.of("..").resolve(JvmCommand.FLINK_CONF));

        assertThat(options).containsExactly(
                "-XX:G1HeapRegionSize=32m", "-XX:+AlwaysPreTouch", "-XX:+UseTransparentHugePages");
    }

    @Test
    void optionsAreSplitOnWhiteSpaceAndAbsentOptionsAreNone(@TempDir Path directory) throws Exception {
        Files.writeString(directory.resolve("config.yaml"), """
                env:
                  java:
                    opts:
                      taskmanager: >-
                        -Xss2m
                          -XX:+AlwaysPreTouch
                """);
        assertThat(JvmCommand.taskManagerOptions(directory)).containsExactly("-Xss2m", "-XX:+AlwaysPreTouch");

        Files.writeString(directory.resolve("config.yaml"), "parallelism:\n  default: 2\n");
        assertThat(JvmCommand.taskManagerOptions(directory)).isEmpty();
    }

    @Test
    void aMissingConfigurationNamesWhereItWasLookedFor(@TempDir Path directory) {
        assertThatThrownBy(() -> JvmCommand.taskManagerOptions(directory.resolve("flink-conf")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(directory.resolve("flink-conf").toString() + "/config.yaml")
                .hasMessageContaining("repository root");
    }

    @Test
    void theAnalyticsCommandPutsTheTaskManagerOptionsBeforeTheCallersAndTheMainClass() {
        List<String> command = JvmCommand.analytics(Path.of("..").resolve(JvmCommand.FLINK_CONF), "1g",
                List.of("-Dx=1"), JvmCommandTest.class, List.of("a"));

        assertThat(command.subList(command.size() - 6, command.size())).containsExactly(
                "-XX:G1HeapRegionSize=32m", "-XX:+AlwaysPreTouch", "-XX:+UseTransparentHugePages", "-Dx=1",
                JvmCommandTest.class.getName(), "a");
        assertThat(command).contains("-Xms1g", "-Xmx1g");
    }
}
