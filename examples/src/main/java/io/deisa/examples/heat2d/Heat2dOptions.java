package io.deisa.examples.heat2d;

import picocli.CommandLine.Option;

/** The command-line options of a {@link Heat2dConfig}, shared by every heat2d subcommand. */
public final class Heat2dOptions {
    private static final Heat2dConfig DEFAULTS = Heat2dConfig.defaults();

    @Option(names = "--grid", paramLabel = "ROWSxCOLS", description = "Cells of the plate (default: 256x256).")
    String grid = DEFAULTS.rows() + "x" + DEFAULTS.cols();

    @Option(names = "--ranks", paramLabel = "PROWSxPCOLS", description = "Process grid; must divide the plate (default: 2x2).")
    String ranks = DEFAULTS.procRows() + "x" + DEFAULTS.procCols();

    @Option(names = "--steps", description = "Solver steps (default: ${DEFAULT-VALUE}).")
    int steps = DEFAULTS.steps();

    @Option(names = "--share-every", description = "Steps between two shares of the temperature (default: ${DEFAULT-VALUE}).")
    int shareEvery = DEFAULTS.shareEvery();

    @Option(names = "--alpha", description = "Thermal diffusivity, m²/s (default: ${DEFAULT-VALUE}).")
    double alpha = DEFAULTS.alpha();

    @Option(names = "--cfl", description = "Diffusion number alpha dt / h², at most 0.25 (default: ${DEFAULT-VALUE}).")
    double cfl = DEFAULTS.cfl();

    @Option(names = "--initial-temperature", description = "Uniform initial temperature, K (default: ${DEFAULT-VALUE}).")
    double initialTemperature = DEFAULTS.initialTemperature();

    @Option(names = "--power", description = "Initial heater power, K m²/s (default: ${DEFAULT-VALUE}).")
    double power = DEFAULTS.power();

    @Option(names = "--threshold", description = "Mean temperature above which the analytics lower the heater power, K (default: ${DEFAULT-VALUE}).")
    double threshold = DEFAULTS.threshold();

    @Option(names = "--steer-factor", description = "Lowered heater power as a fraction of --power (default: ${DEFAULT-VALUE}).")
    double steerFactor = DEFAULTS.steerFactor();

    /** The configuration these options describe; {@link IllegalArgumentException} when invalid. */
    public Heat2dConfig toConfig() {
        int[] plate = pair("--grid", grid);
        int[] procs = pair("--ranks", ranks);
        return new Heat2dConfig(plate[0], plate[1], procs[0], procs[1], steps, shareEvery,
                alpha, cfl, initialTemperature, power, threshold, steerFactor);
    }

    private static int[] pair(String option, String value) {
        String[] parts = value.toLowerCase(java.util.Locale.ROOT).split("x");
        try {
            if (parts.length == 2) {
                return new int[] {Integer.parseInt(parts[0].strip()), Integer.parseInt(parts[1].strip())};
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(option + " expects ROWSxCOLS, e.g. 2x2, got '" + value + "'");
    }
}
