package io.deisa.job;

import io.deisa.connector.source.HeadAddress;
import io.deisa.connector.source.head.FailedRunNotice;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.JobID;
import org.apache.flink.core.execution.JobStatusHook;

import java.time.Duration;

/**
 * Runs on the JobManager when the analytics job ends. When the job took checkpoints and failed
 * for good (after its last restart attempt, or with an error no restart can mend), or was cancelled, it starts a {@link FailedRunNotice} on the head
 * address, so that the bridges trying to rejoin the run raise the job's failure at once instead of
 * waiting out their connect timeout. (Without checkpoints the head itself tells them as it closes;
 * a head on port 0, an ephemeral port no bridge can find again, gets no notice.)
 */
@Internal
final class RunOverHook implements JobStatusHook {
    private static final long serialVersionUID = 1L;

    private final String host;
    private final int port;
    private final Duration lifetime;

    /** A hook for the head at {@code head} ({@code host:port}), answering for {@code lifetime}. */
    RunOverHook(String head, Duration lifetime) {
        HeadAddress address = HeadAddress.parse(head);
        this.host = address.host();
        this.port = address.port();
        this.lifetime = lifetime;
    }

    @Override
    public void onCreated(JobID jobId) {}

    @Override
    public void onFinished(JobID jobId) {}

    @Override
    public void onFailed(JobID jobId, Throwable cause) {
        if (port != 0) {
            FailedRunNotice.start(host, port, "the analytics job " + jobId + " failed and will not restart: "
                    + Deisa.failureMessage(cause), lifetime);
        }
    }

    @Override
    public void onCanceled(JobID jobId) {
        if (port != 0) {
            FailedRunNotice.start(host, port, "the analytics job " + jobId + " was cancelled", lifetime);
        }
    }
}
