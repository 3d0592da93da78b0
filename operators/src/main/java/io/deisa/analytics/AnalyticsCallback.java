package io.deisa.analytics;

import org.apache.flink.annotation.PublicEvolving;

import java.io.Serializable;

/**
 * User analytics run over windows of full distributed arrays, in timestep order.
 *
 * <pre>{@code
 * AnalyticsCallback meanTemperature = (windows, context) -> {
 *     DeisaArray latest = windows.get("temperature").get(0);
 *     context.set("mean", latest.mean(), windows.timestep());
 * };
 * }</pre>
 *
 * <p>The callback is serialized and shipped to the Flink job, so whatever it captures must be
 * serializable.
 */
@PublicEvolving
@FunctionalInterface
public interface AnalyticsCallback extends Serializable {

    /**
     * Runs the analytics for one timestep.
     *
     * @param windows the requested windows, one per requested array name
     * @param context publishes feedback to the simulation
     * @throws Exception handed to the callback's {@link ExceptionHandler}; {@link Error}s and
     *     {@link java.util.concurrent.TimeoutException} fail the job instead
     */
    void call(Windows windows, CallbackContext context) throws Exception;
}
