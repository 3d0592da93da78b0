package io.deisa.connector.source.head;

import org.apache.flink.annotation.Internal;

/** Bridge metadata that contradicts the rest of the world; reported to the bridge as REJECTED. */
@Internal
public final class ContractViolation extends Exception {
    private static final long serialVersionUID = 1L;

    /** A violation described by {@code message}. */
    public ContractViolation(String message) {
        super(message);
    }
}
