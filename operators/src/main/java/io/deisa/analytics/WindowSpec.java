package io.deisa.analytics;

import org.apache.flink.annotation.PublicEvolving;

import java.io.Serializable;

/**
 * Names one array a callback reads and how many of its most recent timesteps it sees.
 *
 * <pre>{@code
 * WindowSpec temperature = WindowSpec.of("temperature");     // the latest array only
 * WindowSpec pressure = WindowSpec.of("pressure", 3);        // the last three timesteps
 * }</pre>
 *
 * <p>Instances are immutable and compare by value.
 */
@PublicEvolving
public final class WindowSpec implements Serializable {

    private static final long serialVersionUID = 1L;

    private final String name;
    private final int windowSize;

    private WindowSpec(String name, int windowSize) {
        this.name = name;
        this.windowSize = windowSize;
    }

    /**
     * A window of size 1 over the array {@code name}: the callback sees the latest array only.
     *
     * @throws IllegalArgumentException if {@code name} is null or blank
     */
    public static WindowSpec of(String name) {
        return of(name, 1);
    }

    /**
     * A window over the {@code windowSize} most recent timesteps of the array {@code name}.
     *
     * @throws IllegalArgumentException if {@code name} is null or blank, or {@code windowSize < 1}
     */
    public static WindowSpec of(String name, int windowSize) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("WindowSpec array name must not be null or blank");
        }
        if (windowSize < 1) {
            throw new IllegalArgumentException(
                    "WindowSpec window size must be >= 1, got " + windowSize + " for array '" + name + "'");
        }
        return new WindowSpec(name, windowSize);
    }

    /** The array name. */
    public String name() {
        return name;
    }

    /** The number of timesteps in the window, at least 1. */
    public int windowSize() {
        return windowSize;
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof WindowSpec)) {
            return false;
        }
        WindowSpec that = (WindowSpec) other;
        return windowSize == that.windowSize && name.equals(that.name);
    }

    @Override
    public int hashCode() {
        return 31 * name.hashCode() + windowSize;
    }

    @Override
    public String toString() {
        return "WindowSpec{name='" + name + "', windowSize=" + windowSize + '}';
    }
}
