package io.deisa.examples.heat2d;

import io.deisa.bridge.ArrayMetadata;
import io.deisa.bridge.Bridge;
import io.deisa.bridge.DType;
import io.deisa.bridge.Feedback;
import io.deisa.bridge.SystemMetadata;
import io.deisa.bridge.comm.Communicator;

import java.util.List;
import java.util.Map;

/**
 * One rank of the heat2d simulation: advances its {@link Tile}, shares it as
 * {@value Heat2dConfig#ARRAY} through its {@link Bridge} every {@code shareEvery} steps (the
 * timestep is the step number), and after each share reads the newest
 * {@value Heat2dConfig#HEATER_POWER} published by the analytics (a collective {@code get}) and
 * applies it from the next step on.
 */
public final class Heat2dSimulation {
    private final Heat2dConfig config;
    private final int rank;
    private final HaloExchange halo;

    /** Rank {@code rank} of a run of {@code config}, exchanging halos through {@code halo}. */
    public Heat2dSimulation(Heat2dConfig config, int rank, HaloExchange halo) {
        this.config = config;
        this.rank = rank;
        this.halo = halo;
    }

    /**
     * Runs the rank to the end and closes the run (collective).
     *
     * @param system the bridges' system metadata
     * @param comm the bridges' communicator, or null for the default {@code TcpCommunicator}
     */
    public RankResult run(SystemMetadata system, Communicator comm) {
        Decomposition decomposition = config.decomposition();
        Tile tile = new Tile(decomposition, rank, config.heater());
        tile.fill((x, y) -> config.initialTemperature(), config.h());
        ArrayMetadata metadata = ArrayMetadata.builder()
                .chunkShape(decomposition.tileRows(), decomposition.tileCols())
                .chunksPerDim(decomposition.procRows(), decomposition.procCols())
                .chunkPosition(decomposition.coords(rank))
                .dtype(DType.FLOAT64)
                .build();
        double power = config.power();
        try (Bridge bridge = new Bridge(rank, Map.of(Heat2dConfig.ARRAY, metadata), system, comm)) {
            for (int t = 0; ; t += config.shareEvery()) {
                bridge.send(Heat2dConfig.ARRAY, tile.interior(), t);
                power = steer(bridge, power);
                if (t == config.steps()) {
                    break;
                }
                double heating = config.heating(power);
                for (int s = 0; s < config.shareEvery(); s++) {
                    tile.step(halo, config.cfl(), heating);
                }
            }
            bridge.close(config.steps());
        }
        return new RankResult(rank, config.steps(), tile.sum(), tile.min(), tile.max(),
                (long) decomposition.tileRows() * decomposition.tileCols(), power);
    }

    /** The newest heater power published by the analytics, else {@code current}. */
    private static double steer(Bridge bridge, double current) {
        List<Feedback> published = bridge.get(Heat2dConfig.HEATER_POWER);
        return published.isEmpty() ? current : ((Number) published.get(published.size() - 1).value()).doubleValue();
    }
}
