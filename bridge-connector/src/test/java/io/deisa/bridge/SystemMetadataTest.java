package io.deisa.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SystemMetadataTest {

    @Test
    void buildsWithEveryField() {
        SystemMetadata sys = SystemMetadata.builder()
                .worldSize(4)
                .masterAddress("10.0.0.1")
                .masterPort(29500)
                .head("head.example:29601")
                .connectTimeout(Duration.ofSeconds(5))
                .build();

        assertThat(sys.worldSize()).isEqualTo(4);
        assertThat(sys.masterAddress()).isEqualTo("10.0.0.1");
        assertThat(sys.masterPort()).isEqualTo(29500);
        assertThat(sys.hasMaster()).isTrue();
        assertThat(sys.head()).isEqualTo("head.example:29601");
        assertThat(sys.headHost()).isEqualTo("head.example");
        assertThat(sys.headPort()).isEqualTo(29601);
        assertThat(sys.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void appliesDefaults() {
        assumeTrue(System.getenv(SystemMetadata.HEAD_ENV) == null, "DEISA_HEAD is set in this environment");

        SystemMetadata sys = SystemMetadata.builder().worldSize(1).build();

        assertThat(sys.head()).isEqualTo("127.0.0.1:29600");
        assertThat(sys.headHost()).isEqualTo("127.0.0.1");
        assertThat(sys.headPort()).isEqualTo(29600);
        assertThat(sys.connectTimeout()).isEqualTo(Duration.ofSeconds(120));
        assertThat(sys.masterAddress()).isNull();
        assertThat(sys.masterPort()).isEqualTo(-1);
        assertThat(sys.hasMaster()).isFalse();
    }

    @Test
    void masterNeedsBothAddressAndPort() {
        assertThat(SystemMetadata.builder().worldSize(2).masterAddress("h").build().hasMaster()).isFalse();
        assertThat(SystemMetadata.builder().worldSize(2).masterPort(1).build().hasMaster()).isFalse();
    }

    @Test
    void parsesBracketedIpv6Head() {
        SystemMetadata sys = SystemMetadata.builder().worldSize(1).head("[::1]:29600").build();

        assertThat(sys.headHost()).isEqualTo("::1");
        assertThat(sys.headPort()).isEqualTo(29600);
        assertThat(sys.head()).isEqualTo("[::1]:29600");
    }

    @Test
    void rejectsMissingOrInvalidWorldSize() {
        assertThatThrownBy(() -> SystemMetadata.builder().build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("worldSize");
        assertThatThrownBy(() -> SystemMetadata.builder().worldSize(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("worldSize");
    }

    @Test
    void rejectsMasterPortOutOfRange() {
        assertThatThrownBy(() -> SystemMetadata.builder().masterPort(65536))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("masterPort").hasMessageContaining("65536");
        assertThatThrownBy(() -> SystemMetadata.builder().masterPort(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("masterPort");
    }

    @Test
    void rejectsNonPositiveTimeout() {
        assertThatThrownBy(() -> SystemMetadata.builder().worldSize(1).connectTimeout(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("connectTimeout");
        assertThatThrownBy(() -> SystemMetadata.builder().worldSize(1).connectTimeout(Duration.ofSeconds(-1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("connectTimeout");
    }

    @Test
    void rejectsMalformedHeads() {
        for (String head : new String[] {"localhost", "localhost:", ":29600", "host:0", "host:65536", "host:12a",
                "::1:29600", "[::1]", "[::1]29600", "[]:1", "host:-1"}) {
            assertThatThrownBy(() -> SystemMetadata.builder().worldSize(1).head(head).build())
                    .as(head)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("head")
                    .hasMessageContaining(head);
        }
    }

    @Test
    void hasValueEquality() {
        SystemMetadata a = SystemMetadata.builder().worldSize(2).masterAddress("h").masterPort(1).head("x:1").build();
        SystemMetadata b = SystemMetadata.builder().worldSize(2).masterAddress("h").masterPort(1).head("x:1").build();

        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a.toString()).contains("worldSize=2", "h:1", "x:1");
        assertThat(a).isNotEqualTo(SystemMetadata.builder().worldSize(3).masterAddress("h").masterPort(1).head("x:1").build());
    }
}
