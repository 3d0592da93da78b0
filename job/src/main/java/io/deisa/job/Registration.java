package io.deisa.job;

import io.deisa.analytics.AnalyticsCallback;
import io.deisa.analytics.ExceptionHandler;
import io.deisa.analytics.When;
import io.deisa.analytics.WindowSpec;

import org.apache.flink.annotation.PublicEvolving;

import java.util.List;

/**
 * Fluent registration of a callback:
 *
 * <pre>{@code
 * deisa.callback(WindowSpec.of("t"), WindowSpec.of("p", 3))
 *      .when(When.OR)
 *      .exceptionHandler((error, windows) -> log.warn("skipped {}", windows.timestep()))
 *      .register(cb);
 * }</pre>
 */
@PublicEvolving
public final class Registration {
    private final Deisa deisa;
    private final List<WindowSpec> arrays;
    private When when = When.AND;
    private ExceptionHandler handler;

    Registration(Deisa deisa, List<WindowSpec> arrays) {
        this.deisa = deisa;
        this.arrays = arrays;
    }

    /** The trigger; {@link When#AND} by default. */
    public Registration when(When when) {
        if (when == null) {
            throw new IllegalArgumentException("when must not be null");
        }
        this.when = when;
        return this;
    }

    /** The exception handler; by default exceptions are logged and the run goes on. */
    public Registration exceptionHandler(ExceptionHandler handler) {
        this.handler = handler;
        return this;
    }

    /** Registers {@code callback} and returns it. */
    public AnalyticsCallback register(AnalyticsCallback callback) {
        return deisa.registerCallback(callback, arrays, when, handler);
    }
}
