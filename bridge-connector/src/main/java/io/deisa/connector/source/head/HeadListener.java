package io.deisa.connector.source.head;

import io.deisa.wire.Registration;

import org.apache.flink.annotation.Internal;

import java.util.List;

/** What the {@link HeadServer} tells its owner; called from the head's connection threads. */
@Internal
public interface HeadListener {
    /** Every bridge registered consistently; {@code bridges} is ordered by bridge id. */
    void onWorldRegistered(List<Registration> bridges);

    /** The run cannot go on: a bridge vanished, left abnormally or broke the contract. */
    void onRunFailed(String reason);
}
