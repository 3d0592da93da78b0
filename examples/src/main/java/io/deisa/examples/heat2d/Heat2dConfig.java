package io.deisa.examples.heat2d;

import java.util.List;

/**
 * Parameters of a heat2d run, shared by the simulation and the analytics. The plate is 1 m wide
 * ({@code cols} cells of size {@code h = 1/cols}) and {@code rows h} high, starts at a uniform
 * temperature and is insulated on every side; the {@link Heater#centred centred heater} injects
 * {@code power} (in K m²/s: watts divided by the plate's heat capacity per area), so the mean
 * temperature rises at {@code power / area}. Time step: {@code dt = cfl h² / alpha}.
 *
 * @param rows cells of the plate in y
 * @param cols cells of the plate in x
 * @param procRows ranks in y
 * @param procCols ranks in x
 * @param steps solver steps; the run ends at timestep {@code steps}
 * @param shareEvery steps between two shares of {@code temperature} (timesteps 0, shareEvery, ...)
 * @param alpha thermal diffusivity, m²/s
 * @param cfl diffusion number {@code alpha dt / h²}, at most 1/4 (stability)
 * @param initialTemperature uniform temperature at timestep 0, K
 * @param power initial heater power, K m²/s
 * @param threshold mean temperature above which the analytics lower the heater power, K
 * @param steerFactor the lowered power as a fraction of {@code power}
 */
public record Heat2dConfig(int rows, int cols, int procRows, int procCols, int steps, int shareEvery,
        double alpha, double cfl, double initialTemperature, double power, double threshold, double steerFactor) {

    /** Name of the shared array. */
    public static final String ARRAY = "temperature";
    /** Feedback key of the heater power published by the analytics. */
    public static final String HEATER_POWER = "heater_power";

    /** @throws IllegalArgumentException naming the first invalid parameter */
    public Heat2dConfig {
        new Decomposition(rows, cols, procRows, procCols); // validates the grids
        check(steps >= 1 && shareEvery >= 1 && steps % shareEvery == 0,
                "steps (" + steps + ") must be a positive multiple of the share interval (" + shareEvery + ")");
        check(alpha > 0, "alpha must be positive, got " + alpha);
        check(cfl > 0 && cfl <= 0.25, "cfl = alpha dt / h^2 must be in (0, 0.25] for stability, got " + cfl);
        check(power >= 0, "heater power must not be negative, got " + power);
        check(steerFactor >= 0 && steerFactor < 1, "steer factor must be in [0, 1), got " + steerFactor);
    }

    /** The default run: a 256 x 256 plate on 2 x 2 ranks, 2000 steps, shared every 20. */
    public static Heat2dConfig defaults() {
        return new Heat2dConfig(256, 256, 2, 2, 2000, 20, 1e-4, 0.2, 20.0, 0.1, 23.0, 0.25);
    }

    /** This configuration with another plate and process grid. */
    public Heat2dConfig withGrid(int newRows, int newCols, int newProcRows, int newProcCols) {
        return new Heat2dConfig(newRows, newCols, newProcRows, newProcCols, steps, shareEvery,
                alpha, cfl, initialTemperature, power, threshold, steerFactor);
    }

    /** This configuration with another run length and share interval. */
    public Heat2dConfig withSteps(int newSteps, int newShareEvery) {
        return new Heat2dConfig(rows, cols, procRows, procCols, newSteps, newShareEvery,
                alpha, cfl, initialTemperature, power, threshold, steerFactor);
    }

    /** This configuration with another heater power, threshold and steering factor. */
    public Heat2dConfig withHeater(double newPower, double newThreshold, double newSteerFactor) {
        return new Heat2dConfig(rows, cols, procRows, procCols, steps, shareEvery,
                alpha, cfl, initialTemperature, newPower, newThreshold, newSteerFactor);
    }

    /** The decomposition of the plate over the ranks. */
    public Decomposition decomposition() {
        return new Decomposition(rows, cols, procRows, procCols);
    }

    /** The heater. */
    public Heater heater() {
        return Heater.centred(rows, cols);
    }

    /** Cell size, m. */
    public double h() {
        return 1.0 / cols;
    }

    /** Time step, s. */
    public double dt() {
        return cfl * h() * h() / alpha;
    }

    /** Plate area, m². */
    public double area() {
        return rows * h() * cols * h();
    }

    /** Temperature increase per step of a heated cell when the heater delivers {@code heaterPower}. */
    public double heating(double heaterPower) {
        return dt() * heaterPower / (heater().cells() * h() * h());
    }

    /** The power the analytics publish once the mean exceeds the threshold. */
    public double steeredPower() {
        return power * steerFactor;
    }

    /** Number of shared timesteps (0, shareEvery, ..., steps). */
    public int sharedTimesteps() {
        return steps / shareEvery + 1;
    }

    /** The command-line options that reproduce this configuration (see {@link Heat2dOptions}). */
    public List<String> toArgs() {
        return List.of("--grid", rows + "x" + cols, "--ranks", procRows + "x" + procCols,
                "--steps", Integer.toString(steps), "--share-every", Integer.toString(shareEvery),
                "--alpha", Double.toString(alpha), "--cfl", Double.toString(cfl),
                "--initial-temperature", Double.toString(initialTemperature),
                "--power", Double.toString(power), "--threshold", Double.toString(threshold),
                "--steer-factor", Double.toString(steerFactor));
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
