package io.deisa.connector.source.head;

import io.deisa.wire.Registration;

import org.apache.flink.annotation.Internal;

import java.util.List;

/** What the {@link HeadServer} tells its owner; called from the head's loop thread, so implementations hand the work on. */
@Internal
public interface HeadListener {
    /** Every bridge registered consistently; {@code bridges} is ordered by bridge id. */
    void onWorldRegistered(List<Registration> bridges);

    /** The run cannot go on: a bridge vanished, left abnormally or broke the contract. */
    void onRunFailed(String reason);

    /**
     * The head itself failed (an unexpected error in its loop): the job should fail and, when it
     * has a restart strategy, restore the head from its last checkpoint.
     */
    void onHeadFailed(Throwable error);
}
