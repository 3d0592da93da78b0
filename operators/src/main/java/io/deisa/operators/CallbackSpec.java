package io.deisa.operators;

import io.deisa.analytics.AnalyticsCallback;
import io.deisa.analytics.ExceptionHandler;
import io.deisa.analytics.WindowSpec;
import io.deisa.analytics.When;

import org.apache.flink.annotation.Internal;

import java.io.Serializable;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * One registered callback, as {@link CallbackOperator} runs it: its registration index, the
 * arrays and window sizes it reads, its trigger and its exception handler.
 *
 * <pre>{@code
 * CallbackSpec spec = CallbackSpec.of(0, cb, List.of(WindowSpec.of("t"), WindowSpec.of("p", 3)),
 *                                     When.OR, null);   // null: the LoggingExceptionHandler
 * spec.name();                                           // "callback #0 (MyCallback)"
 * }</pre>
 *
 * <p>Immutable and {@link Serializable}: specs travel to the task managers inside the operator.
 */
@Internal
public final class CallbackSpec implements Serializable {

    private static final long serialVersionUID = 1L;

    private final int index;
    private final String name;
    private final AnalyticsCallback callback;
    private final List<WindowSpec> arrays;
    private final When when;
    private final ExceptionHandler handler;

    private CallbackSpec(
            int index,
            String name,
            AnalyticsCallback callback,
            List<WindowSpec> arrays,
            When when,
            ExceptionHandler handler) {
        this.index = index;
        this.name = name;
        this.callback = callback;
        this.arrays = arrays;
        this.when = when;
        this.handler = handler;
    }

    /**
     * Describes a registered callback.
     *
     * @param index registration order, from 0
     * @param callback the callback
     * @param arrays the arrays it reads, each name at most once
     * @param when its trigger
     * @param handler its exception handler; {@code null} for a {@link LoggingExceptionHandler}
     * @throws IllegalArgumentException if {@code index < 0}, {@code arrays} is empty or names an
     *     array twice
     * @throws NullPointerException if {@code callback}, {@code arrays}, an entry of it or {@code
     *     when} is null
     */
    public static CallbackSpec of(
            int index,
            AnalyticsCallback callback,
            List<WindowSpec> arrays,
            When when,
            ExceptionHandler handler) {
        Objects.requireNonNull(callback, "callback");
        Objects.requireNonNull(when, "when");
        String name = "callback #" + index + " (" + describeClass(callback.getClass()) + ")";
        if (index < 0) {
            throw new IllegalArgumentException(name + ": index must be >= 0");
        }
        List<WindowSpec> copy = List.copyOf(Objects.requireNonNull(arrays, "arrays"));
        if (copy.isEmpty()) {
            throw new IllegalArgumentException(name + " must request at least one array");
        }
        Set<String> seen = new HashSet<>();
        for (WindowSpec array : copy) {
            if (!seen.add(array.name())) {
                throw new IllegalArgumentException(
                        name + " requests array '" + array.name() + "' more than once: " + copy);
            }
        }
        return new CallbackSpec(
                index,
                name,
                callback,
                copy,
                when,
                handler != null ? handler : new LoggingExceptionHandler(name));
    }

    /** Registration order, from 0. */
    public int index() {
        return index;
    }

    /** Name for logs and error messages, for example {@code "callback #2 (MeanTemperature)"}. */
    public String name() {
        return name;
    }

    /** The callback. */
    public AnalyticsCallback callback() {
        return callback;
    }

    /** The requested arrays, unmodifiable. */
    public List<WindowSpec> arrays() {
        return arrays;
    }

    /** The trigger. */
    public When when() {
        return when;
    }

    /** The exception handler. */
    public ExceptionHandler handler() {
        return handler;
    }

    /**
     * Whether the callback runs for a timestep.
     *
     * @param isNew whether a stream ({@link WindowSpec#streamKey()}) has new data at the timestep
     * @param hasData whether a stream has data at or before the timestep
     */
    public boolean isTriggered(Predicate<String> isNew, Predicate<String> hasData) {
        return switch (when) {
            case AND -> arrays.stream().allMatch(array -> isNew.test(array.streamKey()));
            case OR -> arrays.stream().anyMatch(array -> isNew.test(array.streamKey()))
                    && arrays.stream().allMatch(array -> hasData.test(array.streamKey()));
        };
    }

    /** "MyCallback", "Outer$Inner", or "lambda in Analytics" for a lambda declared there. */
    private static String describeClass(Class<?> type) {
        String className = type.getName();
        String simple = className.substring(className.lastIndexOf('.') + 1);
        int lambda = simple.indexOf("$$Lambda");
        return lambda >= 0 ? "lambda in " + simple.substring(0, lambda) : simple;
    }

    @Override
    public String toString() {
        return name + "{arrays=" + arrays + ", when=" + when + '}';
    }
}
