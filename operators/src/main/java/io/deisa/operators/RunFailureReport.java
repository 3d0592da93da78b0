package io.deisa.operators;

import io.deisa.connector.source.HeadAddress;
import io.deisa.connector.source.head.HeadPublisherClient;

import org.apache.flink.annotation.Internal;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.JobManagerOptions;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.Set;

/**
 * Reaching the analytics head from a task: the address to connect to, and telling it why the run
 * fails, so that the bridges get the cause (JOB_FAILED once the job has stopped) instead of
 * waiting for a head that will not come back.
 */
@Internal
public final class RunFailureReport {
    private static final Logger LOG = LoggerFactory.getLogger(RunFailureReport.class);
    private static final Set<String> WILDCARDS = Set.of("0.0.0.0", "::", "[::]", "*");
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private RunFailureReport() {}

    /**
     * The host a task connects to for the head {@code head} ({@code host:port}): a wildcard host
     * means the JobManager's address, taken from the TaskManager's configuration.
     */
    public static String reachableHost(String head, Configuration taskManagerConfiguration) {
        String host = HeadAddress.parse(head).host();
        if (WILDCARDS.contains(host)) {
            return taskManagerConfiguration.getOptional(JobManagerOptions.ADDRESS).orElse("127.0.0.1");
        }
        return host;
    }

    /**
     * Tells the head at {@code head} that the run fails for {@code reason}; best effort, within 5 s
     * (the job fails anyway).
     */
    public static void tell(String head, Configuration taskManagerConfiguration, String reason) {
        String host = reachableHost(head, taskManagerConfiguration);
        int port = HeadAddress.parse(head).port();
        try (HeadPublisherClient client = HeadPublisherClient.connect(host, port, TIMEOUT)) {
            client.reportFailure(reason);
        } catch (IOException e) {
            LOG.warn("Could not tell the analytics head at {}:{} why the run fails ({}): {}", host, port, reason,
                    e.toString());
        }
    }
}
