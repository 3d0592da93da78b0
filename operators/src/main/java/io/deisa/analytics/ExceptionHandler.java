package io.deisa.analytics;

import org.apache.flink.annotation.PublicEvolving;

import java.io.Serializable;

/**
 * Decides what happens when an {@link AnalyticsCallback} throws.
 *
 * <pre>{@code
 * ExceptionHandler skipNaN = (error, windows) -> {
 *     if (!(error instanceof ArithmeticException)) {
 *         throw error;                 // fails the job
 *     }
 * };
 * }</pre>
 *
 * <p>The default handler logs the exception with the callback and timestep, and the run
 * continues. {@link Error}s (including {@link AssertionError}) and {@link
 * java.util.concurrent.TimeoutException} are never handed to a handler: they fail the job. A
 * handler that throws fails the job.
 */
@PublicEvolving
@FunctionalInterface
public interface ExceptionHandler extends Serializable {

    /**
     * Handles an exception thrown by a callback.
     *
     * @param error the exception the callback threw
     * @param windows the windows the failed call was given
     * @throws Exception to fail the job
     */
    void handle(Exception error, Windows windows) throws Exception;
}
