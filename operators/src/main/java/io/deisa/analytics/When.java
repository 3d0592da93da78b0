package io.deisa.analytics;

import org.apache.flink.annotation.PublicEvolving;

/**
 * When a callback over several arrays runs for a timestep.
 *
 * <pre>{@code
 * deisa.registerCallback(cb, List.of(WindowSpec.of("t"), WindowSpec.of("p")), When.OR);
 * }</pre>
 */
@PublicEvolving
public enum When {
    /**
     * The callback runs for a timestep only when every requested array has new data at that
     * timestep.
     */
    AND,
    /**
     * The callback runs for a timestep when every requested array has been seen at least once
     * and at least one of them has new data at that timestep; arrays without new data reuse their
     * latest window.
     */
    OR
}
