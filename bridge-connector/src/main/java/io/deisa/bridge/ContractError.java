package io.deisa.bridge;

/**
 * The simulation broke the contract of the bridge API: a chunk of an undeclared array, of the wrong
 * length or element type, a timestep going backwards, a chunk sent twice, metadata inconsistent
 * with other bridges, bridges making different collective calls, or a call on a closed bridge.
 *
 * <p>The message names the bridge, the array and the timestep involved (for differing collective
 * calls: the ranks and both calls). The offending call has no effect: nothing is sent.
 */
public class ContractError extends DeisaException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an error.
     *
     * @param message the violated rule, naming the bridge, the array and the timestep
     */
    public ContractError(String message) {
        super(message);
    }

    /**
     * Creates an error caused by another exception.
     *
     * @param message the violated rule, naming the bridge, the array and the timestep
     * @param cause the underlying failure
     */
    public ContractError(String message, Throwable cause) {
        super(message, cause);
    }
}
