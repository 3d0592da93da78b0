package io.deisa.bridge;

/**
 * One feedback value published by the analytics for a timestep, as returned by {@code
 * Bridge.get(name)}.
 *
 * <pre>{@code
 * for (Feedback f : bridge.get("dt")) {
 *     System.out.println(f.timestep() + " -> " + f.value());
 * }
 * }</pre>
 *
 * @param timestep the timestep the value was published for
 * @param value the decoded value: {@code null}, {@code Boolean}, {@code Long}, {@code Double},
 *     {@code String}, {@code double[]}, {@code long[]}, {@code int[]}, or an unmodifiable {@code
 *     List} or {@code Map<String, ?>} of these
 */
public record Feedback(long timestep, Object value) {}
