package io.deisa.sinks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deisa.analytics.DeisaArray;
import io.deisa.bridge.DType;

import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** {@link Zarr}: v3 checked against the specification, v2 read by zarr-python. */
class ZarrTest {
    @TempDir
    Path dir;

    @BeforeEach
    void readers() {
        IndependentReaders.assumeAvailable();
    }

    @Test
    void v3MetadataAndChunkBytesFollowTheSpecification() throws Exception {
        Path store = dir.resolve("results.zarr");
        DeisaArray array = TestArrays.rowOfInts("array", 5, 5, 10);
        Zarr.write(store, "event/array", array);

        JsonNode metadata = new ObjectMapper().readTree(store.resolve("event/array/zarr.json").toFile());
        assertThat(metadata.toString()).isEqualTo("{\"zarr_format\":3,\"node_type\":\"array\",\"shape\":[1,2],"
                + "\"data_type\":\"int32\",\"chunk_grid\":{\"name\":\"regular\",\"configuration\":{\"chunk_shape\":[1,1]}},"
                + "\"chunk_key_encoding\":{\"name\":\"default\",\"configuration\":{\"separator\":\"/\"}},"
                + "\"fill_value\":0,\"codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}}],"
                + "\"attributes\":{\"deisa\":{\"name\":\"array\",\"t\":5}}}");
        for (Path group : new Path[] {store, store.resolve("event")}) {
            assertThat(new ObjectMapper().readTree(group.resolve("zarr.json").toFile()).toString())
                    .isEqualTo("{\"zarr_format\":3,\"node_type\":\"group\",\"attributes\":{}}");
        }
        assertThat(Files.readAllBytes(store.resolve("event/array/c/0/0"))).containsExactly(5, 0, 0, 0);
        assertThat(Files.readAllBytes(store.resolve("event/array/c/0/1"))).containsExactly(10, 0, 0, 0);

        JsonNode read = IndependentReaders.zarrV3(store, "event/array");
        assertThat(read.get("values").toString()).isEqualTo("[5,10]");
        assertThat(read.get("missing_chunks")).isEmpty();
    }

    @Test
    void v2ReadByZarrPython() throws Exception {
        Path store = dir.resolve("results-v2.zarr");
        Zarr.write(store, "array", TestArrays.rowOfInts("array", 5, 5, 10), Zarr.Format.V2);

        JsonNode read = IndependentReaders.zarrV2(store, "array");
        assertThat(read.get("values").toString()).isEqualTo("[5,10]");
        assertThat(read.get("chunks").toString()).isEqualTo("[1,1]");
        assertThat(read.get("dtype").asText()).isEqualTo("int32");
        assertThat(Files.readString(store.resolve(".zgroup"))).contains("\"zarr_format\": 2");
        assertThat(Files.readAllBytes(store.resolve("array/0.1"))).containsExactly(10, 0, 0, 0);
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void everyDtypeRoundTripsInBothFormats(DType dtype) {
        DeisaArray array = TestArrays.random(dtype, new int[] {2, 3}, new int[] {3, 1}, dtype.ordinal());
        Path store = dir.resolve("types");
        Zarr.write(store.resolve("v3"), "x", array);
        Zarr.write(store.resolve("v2"), "x", array, Zarr.Format.V2);

        String expected = TestArrays.sha256OfGlobalBytes(array);
        for (JsonNode read : new JsonNode[] {
                IndependentReaders.zarrV3(store.resolve("v3"), "x"), IndependentReaders.zarrV2(store.resolve("v2"), "x")}) {
            assertThat(read.get("dtype").asText()).isEqualTo(dtype.name().toLowerCase(Locale.ROOT));
            assertThat(read.get("shape").toString()).isEqualTo("[6,3]");
            assertThat(read.get("sha256").asText()).isEqualTo(expected);
        }
    }

    @Test
    void largeFloat64ArrayRoundTripsBitExactlyInBothFormats() throws Exception {
        DeisaArray array = TestArrays.random(DType.FLOAT64, new int[] {512, 512}, new int[] {2, 2}, 7);
        Zarr.write(dir.resolve("large.zarr"), "field", array);
        Zarr.write(dir.resolve("large-v2.zarr"), "field", array, Zarr.Format.V2);

        String expected = TestArrays.sha256OfGlobalBytes(array);
        JsonNode v3 = IndependentReaders.zarrV3(dir.resolve("large.zarr"), "field");
        JsonNode v2 = IndependentReaders.zarrV2(dir.resolve("large-v2.zarr"), "field");
        assertThat(v3.get("sha256").asText()).isEqualTo(expected);
        assertThat(v2.get("sha256").asText()).isEqualTo(expected);
        assertThat(v3.get("chunks").toString()).isEqualTo("[512,512]");
        ByteBuffer chunk = array.chunk(3);
        byte[] expectedChunk = new byte[chunk.remaining()];
        chunk.get(expectedChunk);
        assertThat(Files.readAllBytes(dir.resolve("large.zarr/field/c/1/1"))).isEqualTo(expectedChunk);
    }

    @Test
    void existingV3ComponentIsReplacedAndOtherComponentsAreUntouched() throws Exception {
        Path store = dir.resolve("results.zarr");
        Zarr.write(store, "event/array", TestArrays.rowOfInts("array", 5, 5, 10));
        Zarr.write(store, "event/other", TestArrays.rowOfInts("other", 5, 1, 2));

        Zarr.write(store, "event/array", TestArrays.rowOfInts("array", 6, 6, 12));

        JsonNode read = IndependentReaders.zarrV3(store, "event/array");
        assertThat(read.get("values").toString()).isEqualTo("[6,12]");
        assertThat(read.get("missing_chunks")).isEmpty();
        assertThat(new ObjectMapper().readTree(store.resolve("event/array/zarr.json").toFile())
                .at("/attributes/deisa/t").asLong()).isEqualTo(6);
        assertThat(IndependentReaders.zarrV3(store, "event/other").get("values").toString()).isEqualTo("[1,2]");
        assertThat(names(store.resolve("event"))).containsExactlyInAnyOrder("zarr.json", "array", "other");
        assertThat(tree(store.resolve("event/array"))).containsExactlyInAnyOrder("zarr.json", "c", "c/0", "c/0/0", "c/0/1");
    }

    @Test
    void existingV2ComponentIsReplacedAsZarrPythonReadsIt() throws Exception {
        Path store = dir.resolve("results-v2.zarr");
        Zarr.write(store, "array", TestArrays.rowOfInts("array", 5, 5, 10), Zarr.Format.V2);
        Zarr.write(store, "other", TestArrays.rowOfInts("other", 5, 1, 2), Zarr.Format.V2);

        Zarr.write(store, "array", TestArrays.rowOfInts("array", 6, 6, 12), Zarr.Format.V2);

        assertThat(IndependentReaders.zarrV2(store, "array").get("values").toString()).isEqualTo("[6,12]");
        assertThat(Files.readString(store.resolve("array/.zattrs"))).contains("\"t\": 6");
        assertThat(IndependentReaders.zarrV2(store, "other").get("values").toString()).isEqualTo("[1,2]");
        assertThat(names(store)).containsExactlyInAnyOrder(".zgroup", "array", "other");
        assertThat(tree(store.resolve("array"))).containsExactlyInAnyOrder(".zarray", ".zattrs", "0.0", "0.1");
    }

    @ParameterizedTest
    @EnumSource(Zarr.Format.class)
    void replacementMayChangeShapeAndDtypeAndLeavesNoOldChunk(Zarr.Format format) throws Exception {
        Path store = dir.resolve("results.zarr");
        Zarr.write(store, "array", TestArrays.rowOfInts("array", 5, 5, 10), format);
        DeisaArray array = TestArrays.random(DType.FLOAT64, new int[] {3, 2}, new int[] {2, 1}, 11);

        Zarr.write(store, "array", array, format);

        JsonNode read = format == Zarr.Format.V3
                ? IndependentReaders.zarrV3(store, "array")
                : IndependentReaders.zarrV2(store, "array");
        assertThat(read.get("dtype").asText()).isEqualTo("float64");
        assertThat(read.get("shape").toString()).isEqualTo("[6,2]");
        assertThat(read.get("chunks").toString()).isEqualTo("[3,2]");
        assertThat(read.get("sha256").asText()).isEqualTo(TestArrays.sha256OfGlobalBytes(array));
        // The old grid's chunk (0, 1) is not in the new grid: it must be gone, not read back.
        assertThat(tree(store.resolve("array"))).containsExactlyInAnyOrderElementsOf(format == Zarr.Format.V3
                ? List.of("zarr.json", "c", "c/0", "c/0/0", "c/1", "c/1/0")
                : List.of(".zarray", ".zattrs", "0.0", "1.0"));
        assertThat(names(store)).containsExactlyInAnyOrder(
                format == Zarr.Format.V3 ? "zarr.json" : ".zgroup", "array");
    }

    @ParameterizedTest
    @EnumSource(Zarr.Format.class)
    void writingAnEqualArrayAgainIsIdempotent(Zarr.Format format) throws Exception {
        Path store = dir.resolve("results.zarr");
        DeisaArray array = TestArrays.random(DType.UINT32, new int[] {2, 3}, new int[] {2, 2}, 5);
        Zarr.write(store, "t/3", array, format);
        List<String> first = tree(store);

        Zarr.write(store, "t/3", TestArrays.random(DType.UINT32, new int[] {2, 3}, new int[] {2, 2}, 5), format);

        JsonNode read = format == Zarr.Format.V3 ? IndependentReaders.zarrV3(store, "t/3") : IndependentReaders.zarrV2(store, "t/3");
        assertThat(read.get("sha256").asText()).isEqualTo(TestArrays.sha256OfGlobalBytes(array));
        assertThat(read.get("shape").toString()).isEqualTo("[4,6]");
        assertThat(tree(store)).containsExactlyInAnyOrderElementsOf(first);
    }

    @Test
    void aGroupIsNotReplaced() throws Exception {
        Path store = dir.resolve("results.zarr");
        Zarr.write(store, "event/array", TestArrays.rowOfInts("array", 5, 5, 10));

        assertThatThrownBy(() -> Zarr.write(store, "event", TestArrays.rowOfInts("event", 5, 6, 12)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has 'event'")
                .hasMessageContaining("which is not a Zarr v3 array");
        assertThat(IndependentReaders.zarrV3(store, "event/array").get("values").toString()).isEqualTo("[5,10]");
        assertThat(names(store.resolve("event"))).containsExactlyInAnyOrder("zarr.json", "array");
    }

    @Test
    void formatsAreNotMixedInOneStore() {
        Path store = dir.resolve("results.zarr");
        Zarr.write(store, "a", TestArrays.rowOfInts("a", 5, 5, 10), Zarr.Format.V2);

        assertThatThrownBy(() -> Zarr.write(store, "b", TestArrays.rowOfInts("b", 5, 5, 10)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is in format 2, cannot add a format 3 array");
    }

    @Test
    void unwritablePathAndInvalidComponentsAreClearErrors() throws Exception {
        Path notADirectory = Files.writeString(dir.resolve("plain-file"), "x");
        DeisaArray array = TestArrays.rowOfInts("array", 5, 5, 10);

        assertThatThrownBy(() -> Zarr.write(notADirectory.resolve("store.zarr"), "array", array))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("Cannot write " + notADirectory.resolve("store.zarr"));
        for (String component : new String[] {"", "a//b", "../a", "a/.zarray", "__x", "zarr.json"}) {
            assertThatThrownBy(() -> Zarr.write(dir.resolve("store.zarr"), component, array))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("Zarr component");
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(notADirectory);
        }
    }

    /** The names in {@code directory}. */
    private static List<String> names(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(p -> p.getFileName().toString()).toList();
        }
    }

    /** Every path under {@code directory}, relative to it, with '/' separators. */
    private static List<String> tree(Path directory) throws IOException {
        try (Stream<Path> files = Files.walk(directory)) {
            return files.filter(p -> !p.equals(directory)).map(p -> directory.relativize(p).toString()).toList();
        }
    }
}
