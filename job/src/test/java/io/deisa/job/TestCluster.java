package io.deisa.job;

import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;

/** The MiniCluster the end-to-end tests run their jobs on: one TaskManager with four slots. */
final class TestCluster {
    private TestCluster() {}

    static MiniClusterExtension create() {
        return new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
                .setNumberTaskManagers(1)
                .setNumberSlotsPerTaskManager(4)
                .build());
    }
}
