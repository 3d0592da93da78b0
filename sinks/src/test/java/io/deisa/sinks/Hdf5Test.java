package io.deisa.sinks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deisa.analytics.DeisaArray;
import io.deisa.bridge.DType;

import hdf.hdf5lib.H5;
import hdf.hdf5lib.HDF5Constants;

import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
        List<String> sources = sources(file, "data");
        assertThat(sources).hasSize(2);
        assertThat(sources.get(0)).matches("\\.event\\.h5\\.data\\.[0-9a-f]{8}\\.c0_0\\.h5");
        String tag = sources.get(0).substring(".event.h5.data.".length(), ".event.h5.data.".length() + 8);
        assertThat(sources.get(1)).isEqualTo(".event.h5.data." + tag + ".c0_1.h5");
        assertThat(read.get("missing_sources")).isEmpty();
        assertThat(IndependentReaders.h5dumpValues(file, "data")).containsExactly("5", "10");
        assertThat(fileNames()).containsExactlyInAnyOrder("event.h5", sources.get(0), sources.get(1));
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
    void existingDatasetIsReplacedWithNewChunkFilesAndTheOldOnesDeleted() {
        Path file = dir.resolve("event.h5");
        Hdf5.write(file, "data", TestArrays.rowOfInts("array", 5, 5, 10));
        Hdf5.write(file, "other", TestArrays.rowOfInts("other", 5, 1, 2));
        List<String> oldSources = sources(file, "data");
        List<String> otherSources = sources(file, "other");

        Hdf5.write(file, "data", TestArrays.rowOfInts("array", 6, 6, 12));

        JsonNode read = IndependentReaders.hdf5(file, "data");
        assertThat(read.get("virtual").asBoolean()).isTrue();
        assertThat(read.get("values").toString()).isEqualTo("[6,12]");
        assertThat(read.get("missing_sources")).isEmpty();
        assertThat(IndependentReaders.h5dumpValues(file, "data")).containsExactly("6", "12");
        List<String> newSources = sources(file, "data");
        assertThat(newSources).hasSize(2).doesNotContainAnyElementsOf(oldSources);
        assertThat(IndependentReaders.hdf5(file, "other").get("values").toString()).isEqualTo("[1,2]");
        assertThat(sources(file, "other")).isEqualTo(otherSources);
        assertThat(fileNames()).containsExactlyInAnyOrderElementsOf(
                concat(List.of("event.h5"), newSources, otherSources));
    }

    @Test
    void replacementMayChangeShapeAndDtype() {
        Path file = dir.resolve("event.h5");
        Hdf5.write(file, "data", TestArrays.rowOfInts("array", 5, 5, 10));
        DeisaArray array = TestArrays.random(DType.FLOAT64, new int[] {3, 2}, new int[] {2, 2}, 11);

        Hdf5.write(file, "data", array);

        JsonNode read = IndependentReaders.hdf5(file, "data");
        assertThat(read.get("dtype").asText()).isEqualTo("float64");
        assertThat(read.get("shape").toString()).isEqualTo("[6,4]");
        assertThat(read.get("sha256").asText()).isEqualTo(TestArrays.sha256OfGlobalBytes(array));
        assertThat(read.get("missing_sources")).isEmpty();
        List<String> sources = sources(file, "data");
        assertThat(sources).hasSize(4);
        assertThat(fileNames()).containsExactlyInAnyOrderElementsOf(concat(List.of("event.h5"), sources));
    }

    @Test
    void writingAnEqualArrayAgainIsIdempotent() {
        Path file = dir.resolve("timesteps.h5");
        DeisaArray array = TestArrays.random(DType.INT16, new int[] {2, 3}, new int[] {2, 2}, 3);
        Hdf5.write(file, "3", array);
        JsonNode first = IndependentReaders.hdf5(file, "3");

        Hdf5.write(file, "3", TestArrays.random(DType.INT16, new int[] {2, 3}, new int[] {2, 2}, 3));

        JsonNode again = IndependentReaders.hdf5(file, "3");
        assertThat(again.get("sha256").asText()).isEqualTo(TestArrays.sha256OfGlobalBytes(array));
        assertThat(again.get("dtype")).isEqualTo(first.get("dtype"));
        assertThat(again.get("shape")).isEqualTo(first.get("shape"));
        assertThat(again.get("missing_sources")).isEmpty();
        assertThat(fileNames()).containsExactlyInAnyOrderElementsOf(concat(List.of("timesteps.h5"), sources(file, "3")));
    }

    @Test
    void severalDatasetsNewAndExistingInOneUpdate() {
        Path file = dir.resolve("several-arrays.h5");
        Map<String, DeisaArray> first = new LinkedHashMap<>();
        first.put("a", TestArrays.rowOfInts("a", 5, 5, 10));
        first.put("b", TestArrays.rowOfInts("b", 5, 6, 12));
        Hdf5.write(file, first);
        List<String> aSources = sources(file, "a");
        List<String> oldBSources = sources(file, "b");

        Map<String, DeisaArray> second = new LinkedHashMap<>();
        second.put("b", TestArrays.rowOfInts("b", 6, 7, 14));
        second.put("c", TestArrays.rowOfInts("c", 6, 8, 16));
        Hdf5.write(file, second);

        assertThat(IndependentReaders.hdf5(file, "a").get("values").toString()).isEqualTo("[5,10]");
        assertThat(IndependentReaders.hdf5(file, "b").get("values").toString()).isEqualTo("[7,14]");
        assertThat(IndependentReaders.h5dumpValues(file, "b")).containsExactly("7", "14");
        assertThat(IndependentReaders.hdf5(file, "c").get("values").toString()).isEqualTo("[8,16]");
        assertThat(sources(file, "a")).isEqualTo(aSources);
        List<String> bSources = sources(file, "b");
        assertThat(bSources).doesNotContainAnyElementsOf(oldBSources);
        assertThat(fileNames()).containsExactlyInAnyOrderElementsOf(
                concat(List.of("several-arrays.h5"), aSources, bSources, sources(file, "c")));
    }

    @Test
    void aGroupIsNotReplaced() {
        Path file = dir.resolve("event.h5");
        Hdf5Library.ensureLoaded();
        long fileId = H5.H5Fcreate(file.toString(), HDF5Constants.H5F_ACC_EXCL,
                HDF5Constants.H5P_DEFAULT, HDF5Constants.H5P_DEFAULT);
        H5.H5Gclose(H5.H5Gcreate(fileId, "group", HDF5Constants.H5P_DEFAULT, HDF5Constants.H5P_DEFAULT,
                HDF5Constants.H5P_DEFAULT));
        H5.H5Fclose(fileId);

        assertThatThrownBy(() -> Hdf5.write(file, "group", TestArrays.rowOfInts("array", 5, 5, 10)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'group' in " + file + " is not a dataset");
        assertThat(fileNames()).containsExactly("event.h5");
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

    /** The chunk file names of {@code dataset}, as h5py reads them from the virtual dataset, sorted. */
    private static List<String> sources(Path file, String dataset) {
        List<String> names = new ArrayList<>();
        IndependentReaders.hdf5(file, dataset).get("sources").forEach(name -> names.add(name.asText()));
        return names;
    }

    @SafeVarargs
    private static List<String> concat(List<String>... lists) {
        return Stream.of(lists).flatMap(List::stream).toList();
    }

    private List<String> fileNames() {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).toList();
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
