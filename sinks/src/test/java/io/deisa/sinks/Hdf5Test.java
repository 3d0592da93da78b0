package io.deisa.sinks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deisa.analytics.DeisaArray;
import io.deisa.bridge.DType;

import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/** {@link Hdf5}: virtual datasets over chunk files, read back with h5py and h5dump. */
class Hdf5Test {
    @TempDir
    Path dir;

    @BeforeEach
    void readers() {
        IndependentReaders.assumeAvailable();
    }

    @Test
    void virtualDatasetOverHiddenChunkFilesWithRelativeNames() {
        Path file = dir.resolve("event.h5");
        Hdf5.write(file, "data", TestArrays.rowOfInts("array", 5, 5, 10));

        JsonNode read = IndependentReaders.hdf5(file, "data");
        assertThat(read.get("virtual").asBoolean()).isTrue();
        assertThat(read.get("dtype").asText()).isEqualTo("int32");
        assertThat(read.get("shape").toString()).isEqualTo("[1,2]");
        assertThat(read.get("values").toString()).isEqualTo("[5,10]");
        assertThat(read.get("sources").toString()).isEqualTo("[\".event.h5.data.c0_0.h5\",\".event.h5.data.c0_1.h5\"]");
        assertThat(read.get("missing_sources")).isEmpty();
        assertThat(IndependentReaders.h5dumpValues(file, "data")).containsExactly("5", "10");
        assertThat(fileNames()).containsExactlyInAnyOrder(
                "event.h5", ".event.h5.data.c0_0.h5", ".event.h5.data.c0_1.h5");
    }

    @Test
    void datasetsAddedOverTimeAndSeveralAtOnce() {
        Path file = dir.resolve("timesteps.h5");
        for (int t = 0; t <= 2; t++) {
            Hdf5.write(file, Integer.toString(t), TestArrays.rowOfInts("array", t, t, 2 * t));
        }
        Map<String, DeisaArray> both = new LinkedHashMap<>();
        both.put("a", TestArrays.rowOfInts("a", 5, 5, 10));
        both.put("b", TestArrays.rowOfInts("b", 5, 6, 12));
        Hdf5.write(file, both);

        for (int t = 0; t <= 2; t++) {
            assertThat(IndependentReaders.hdf5(file, Integer.toString(t)).get("values").toString())
                    .isEqualTo("[" + t + "," + 2 * t + "]");
        }
        assertThat(IndependentReaders.hdf5(file, "a").get("values").toString()).isEqualTo("[5,10]");
        assertThat(IndependentReaders.h5dumpValues(file, "b")).containsExactly("6", "12");
        assertThat(fileNames()).noneMatch(name -> name.contains(".tmp-"));
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void everyDtypeMapsToTheMatchingHdf5Type(DType dtype) {
        DeisaArray array = TestArrays.random(dtype, new int[] {3, 2}, new int[] {2, 2}, dtype.ordinal());
        Path file = dir.resolve("types.h5");
        Hdf5.write(file, "x", array);

        JsonNode read = IndependentReaders.hdf5(file, "x");
        assertThat(read.get("dtype").asText()).isEqualTo(dtype.name().toLowerCase(Locale.ROOT));
        assertThat(read.get("shape").toString()).isEqualTo("[6,4]");
        assertThat(read.get("sha256").asText()).isEqualTo(TestArrays.sha256OfGlobalBytes(array));
    }

    @Test
    void largeFloat64ArrayRoundTripsBitExactly() {
        DeisaArray array = TestArrays.random(DType.FLOAT64, new int[] {512, 512}, new int[] {2, 2}, 42);
        Path file = dir.resolve("large.h5");
        Hdf5.write(file, "field", array);

        JsonNode read = IndependentReaders.hdf5(file, "field");
        assertThat(read.get("shape").toString()).isEqualTo("[1024,1024]");
        assertThat(read.get("dtype").asText()).isEqualTo("float64");
        assertThat(read.get("missing_sources")).isEmpty();
        assertThat(read.get("sha256").asText()).isEqualTo(TestArrays.sha256OfGlobalBytes(array));
    }

    @Test
    void existingDatasetIsRejectedAndKeepsItsData() {
        Path file = dir.resolve("event.h5");
        Hdf5.write(file, "data", TestArrays.rowOfInts("array", 5, 5, 10));

        assertThatThrownBy(() -> Hdf5.write(file, "data", TestArrays.rowOfInts("array", 6, 6, 12)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Dataset 'data' already exists in " + file);
        assertThat(IndependentReaders.hdf5(file, "data").get("values").toString()).isEqualTo("[5,10]");
    }

    @Test
    void unwritablePathIsAClearError() throws Exception {
        Path notADirectory = Files.writeString(dir.resolve("plain-file"), "x");
        Path file = notADirectory.resolve("event.h5");

        assertThatThrownBy(() -> Hdf5.write(file, "data", TestArrays.rowOfInts("array", 5, 5, 10)))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("Cannot write " + file);
    }

    @Test
    void notAnHdf5FileIsAClearErrorAndStaysUntouched() throws Exception {
        Path file = Files.writeString(dir.resolve("notes.h5"), "not HDF5");

        assertThatThrownBy(() -> Hdf5.write(file, "data", TestArrays.rowOfInts("array", 5, 5, 10)))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("Cannot open " + file + " as an HDF5 file");
        assertThat(Files.readString(file)).isEqualTo("not HDF5");
        assertThat(fileNames()).containsExactly("notes.h5");
    }

    @Test
    void invalidNamesAndEmptyMapsAreRejected() {
        DeisaArray array = TestArrays.rowOfInts("array", 5, 5, 10);
        Path file = dir.resolve("event.h5");
        for (String name : new String[] {"", " ", "a/b", ".", ".."}) {
            assertThatThrownBy(() -> Hdf5.write(file, name, array))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("Invalid dataset name '" + name + "'");
        }
        assertThatThrownBy(() -> Hdf5.write(file, Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("No dataset to write");
        assertThat(fileNames()).isEmpty();
    }

    private List<String> fileNames() {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).toList();
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
