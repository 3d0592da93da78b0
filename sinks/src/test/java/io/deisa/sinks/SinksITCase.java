package io.deisa.sinks;

import static org.assertj.core.api.Assertions.assertThat;

import io.deisa.analytics.DeisaArray;
import io.deisa.analytics.WindowSpec;
import io.deisa.job.Deisa;

import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * End to end: 2 bridges (1×2 grid) send {@code array}, {@code a} and {@code b} for t = 0..5 with
 * chunk {@code t * (rank + 1)}; the analytics write HDF5 and Zarr results, which are read back
 * after the run by h5py, h5dump, zarr-python and the Zarr v3 specification.
 */
class SinksITCase {
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(4)
                    .build());

    @TempDir
    Path dir;

    @BeforeEach
    void readers() {
        IndependentReaders.assumeAvailable();
    }

    @Test
    void callbackWritesEveryTimestepAndAnInterestingEvent() throws Exception {
        BridgeWorld world = new BridgeWorld(2);
        Deisa deisa = new Deisa(world.options());
        String out = dir.toString();
        deisa.registerCallback((windows, ctx) -> {
            long t = windows.timestep();
            DeisaArray array = windows.get("array").get(0);
            Hdf5.write(Path.of(out, "timesteps.h5"), Long.toString(t), array);
            if (t == 5) {
                Hdf5.write(Path.of(out, "interesting-event.h5"), "data", array);
                Map<String, DeisaArray> several = new LinkedHashMap<>();
                several.put("a", windows.get("a").get(0));
                several.put("b", windows.get("b").get(0));
                Hdf5.write(Path.of(out, "several-arrays.h5"), several);
                Zarr.write(Path.of(out, "interesting-event.zarr"), "array", array);
                Zarr.write(Path.of(out, "interesting-event-v2.zarr"), "array", array, Zarr.Format.V2);
            }
        }, List.of(WindowSpec.of("array"), WindowSpec.of("a"), WindowSpec.of("b")));

        assertThat(world.run(deisa, 5, "array", "a", "b")).containsExactly(5L, 5L);

        for (int t = 0; t <= 5; t++) {
            assertHdf5(dir.resolve("timesteps.h5"), Integer.toString(t), t, 2 * t);
        }
        assertHdf5(dir.resolve("interesting-event.h5"), "data", 5, 10);
        assertHdf5(dir.resolve("several-arrays.h5"), "a", 5, 10);
        assertHdf5(dir.resolve("several-arrays.h5"), "b", 5, 10);
        assertThat(values(IndependentReaders.zarrV3(dir.resolve("interesting-event.zarr"), "array")))
                .isEqualTo("[5,10]");
        assertThat(values(IndependentReaders.zarrV2(dir.resolve("interesting-event-v2.zarr"), "array")))
                .isEqualTo("[5,10]");
        assertNoTemporaryFiles();
    }

    @Test
    void streamingSinksWriteEveryTimestepWithoutUserCode() throws Exception {
        BridgeWorld world = new BridgeWorld(2);
        Deisa deisa = new Deisa(world.options());
        deisa.writeArrays("array", ArraySinks.hdf5(dir.resolve("array.h5")));
        deisa.writeArrays("a", ArraySinks.zarr(dir.resolve("a.zarr")));
        deisa.writeArrays("b", ArraySinks.zarr(dir.resolve("b-v2.zarr"), Zarr.Format.V2));
        deisa.registerCallback((windows, ctx) -> { }, List.of(WindowSpec.of("array")));

        assertThat(world.run(deisa, 5, "array", "a", "b")).containsExactly(5L, 5L);

        for (int t = 0; t <= 5; t++) {
            String expected = "[" + t + "," + 2 * t + "]";
            assertHdf5(dir.resolve("array.h5"), Integer.toString(t), t, 2 * t);
            assertThat(values(IndependentReaders.zarrV3(dir.resolve("a.zarr"), Integer.toString(t))))
                    .isEqualTo(expected);
            assertThat(values(IndependentReaders.zarrV2(dir.resolve("b-v2.zarr"), Integer.toString(t))))
                    .isEqualTo(expected);
        }
        assertNoTemporaryFiles();
    }

    /** h5py and h5dump both read {@code [[left, right]]}, from a complete virtual dataset. */
    private static void assertHdf5(Path file, String dataset, int left, int right) {
        JsonNode read = IndependentReaders.hdf5(file, dataset);
        assertThat(read.get("virtual").asBoolean()).as("%s:%s is virtual", file, dataset).isTrue();
        assertThat(read.get("missing_sources")).as("%s:%s missing chunk files", file, dataset).isEmpty();
        assertThat(read.get("shape").toString()).isEqualTo("[1,2]");
        assertThat(values(read)).as("%s:%s", file, dataset).isEqualTo("[" + left + "," + right + "]");
        assertThat(IndependentReaders.h5dumpValues(file, dataset)).containsExactly(
                Integer.toString(left), Integer.toString(right));
    }

    private static String values(JsonNode read) {
        return read.get("values").toString();
    }

    private void assertNoTemporaryFiles() throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            assertThat(files.map(Path::toString)).noneMatch(name -> name.contains(".tmp-"));
        }
    }
}
