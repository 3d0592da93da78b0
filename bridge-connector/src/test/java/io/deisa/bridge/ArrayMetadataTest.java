package io.deisa.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ArrayMetadataTest {

    private static ArrayMetadata.Builder valid() {
        return ArrayMetadata.builder()
                .chunkShape(64, 32)
                .chunksPerDim(4, 3)
                .chunksOfNode(2)
                .dtype(DType.FLOAT64)
                .chunkPosition(1, 2);
    }

    @Test
    void buildsValidMetadata() {
        ArrayMetadata md = valid().build();

        assertThat(md.chunkShape()).containsExactly(64, 32);
        assertThat(md.chunksPerDim()).containsExactly(4, 3);
        assertThat(md.chunksOfNode()).isEqualTo(2);
        assertThat(md.dtype()).isEqualTo(DType.FLOAT64);
        assertThat(md.chunkPosition()).containsExactly(1, 2);
        assertThat(md.globalShape()).containsExactly(256L, 96L);
        assertThat(md.rank()).isEqualTo(2);
        assertThat(md.chunkElementCount()).isEqualTo(64L * 32);
        assertThat(md.chunkByteSize()).isEqualTo(64L * 32 * 8);
        assertThat(md.chunkCount()).isEqualTo(12);
        assertThat(md.linearChunkIndex()).isEqualTo(1 * 3 + 2);
    }

    @Test
    void chunksOfNodeDefaultsToOne() {
        ArrayMetadata md = ArrayMetadata.builder()
                .chunkShape(8).chunksPerDim(2).dtype(DType.INT32).chunkPosition(0).build();

        assertThat(md.chunksOfNode()).isEqualTo(1);
    }

    @Test
    void globalShapeDoesNotOverflowInt() {
        ArrayMetadata md = ArrayMetadata.builder()
                .chunkShape(1 << 20).chunksPerDim(1 << 12).dtype(DType.INT8).chunkPosition(0).build();

        assertThat(md.globalShape()).containsExactly(1L << 32);
    }

    @Test
    void gettersReturnCopies() {
        int[] shape = {4, 4};
        ArrayMetadata md = ArrayMetadata.builder()
                .chunkShape(shape).chunksPerDim(2, 2).dtype(DType.FLOAT32).chunkPosition(1, 1).build();
        shape[0] = 99;

        md.chunkShape()[0] = 7;
        md.chunksPerDim()[0] = 7;
        md.chunkPosition()[0] = 7;
        md.globalShape()[0] = 7;

        assertThat(md.chunkShape()).containsExactly(4, 4);
        assertThat(md.chunksPerDim()).containsExactly(2, 2);
        assertThat(md.chunkPosition()).containsExactly(1, 1);
        assertThat(md.globalShape()).containsExactly(8L, 8L);
    }

    @Test
    void hasValueEquality() {
        ArrayMetadata a = valid().build();
        ArrayMetadata b = valid().build();

        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a.toString()).isEqualTo(b.toString())
                .contains("chunkShape=[64, 32]", "chunksPerDim=[4, 3]", "chunksOfNode=2", "FLOAT64",
                        "chunkPosition=[1, 2]");
        assertThat(a).isNotEqualTo(valid().chunkPosition(0, 2).build());
        assertThat(a).isNotEqualTo(valid().chunkShape(64, 31).build());
        assertThat(a).isNotEqualTo(valid().chunksPerDim(5, 3).build());
        assertThat(a).isNotEqualTo(valid().dtype(DType.FLOAT32).build());
        assertThat(a).isNotEqualTo(valid().chunksOfNode(1).build());
    }

    @Test
    void rejectsMissingFields() {
        assertRejected(ArrayMetadata.builder().chunksPerDim(1).dtype(DType.INT8).chunkPosition(0), "chunkShape");
        assertRejected(ArrayMetadata.builder().chunkShape(1).dtype(DType.INT8).chunkPosition(0), "chunksPerDim");
        assertRejected(ArrayMetadata.builder().chunkShape(1).chunksPerDim(1).chunkPosition(0), "dtype");
        assertRejected(ArrayMetadata.builder().chunkShape(1).chunksPerDim(1).dtype(DType.INT8), "chunkPosition");
    }

    @Test
    void rejectsEmptyShape() {
        assertRejected(valid().chunkShape(), "chunkShape");
    }

    @Test
    void rejectsRankMismatches() {
        assertRejected(valid().chunksPerDim(4, 3, 1), "chunksPerDim");
        assertRejected(valid().chunkPosition(1), "chunkPosition");
    }

    @Test
    void rejectsNonPositiveEntries() {
        assertRejected(valid().chunkShape(64, 0), "chunkShape[1]");
        assertRejected(valid().chunksPerDim(-1, 3), "chunksPerDim[0]");
        assertRejected(valid().chunksOfNode(0), "chunksOfNode");
    }

    @Test
    void rejectsPositionOutsideGrid() {
        assertRejected(valid().chunkPosition(4, 0), "chunkPosition[0]");
        assertRejected(valid().chunkPosition(0, -1), "chunkPosition[1]");
    }

    @Test
    void rejectsTooManyChunks() {
        assertRejected(valid().chunkShape(1, 1).chunksPerDim(1 << 16, 1 << 16).chunkPosition(0, 0), "chunksPerDim");
    }

    @Test
    void rejectsChunksLargerThanOneByteArray() {
        assertRejected(valid().chunkShape(1 << 14, 1 << 14).dtype(DType.FLOAT64), "chunkShape");
        assertThat(valid().chunkShape(1 << 14, 1 << 14).dtype(DType.INT8).build().chunkByteSize())
                .isEqualTo(1L << 28);
    }

    @Test
    void linearIndexRoundTripsOverTheWholeGrid() {
        int[] grid = {3, 4, 5};
        for (int index = 0; index < 60; index++) {
            int[] position = ArrayMetadata.chunkPositionOf(index, grid);
            assertThat(ArrayMetadata.linearChunkIndex(position, grid)).isEqualTo(index);
        }
        assertThat(ArrayMetadata.chunkPositionOf(59, grid)).containsExactly(2, 3, 4);
        assertThat(ArrayMetadata.linearChunkIndex(new int[] {1, 0, 2}, grid)).isEqualTo(1 * 20 + 2);
    }

    @Test
    void linearIndexRejectsInvalidArguments() {
        assertThatThrownBy(() -> ArrayMetadata.chunkPositionOf(12, new int[] {3, 4}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("12");
        assertThatThrownBy(() -> ArrayMetadata.chunkPositionOf(-1, new int[] {3, 4}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
        assertThatThrownBy(() -> ArrayMetadata.linearChunkIndex(new int[] {3, 0}, new int[] {3, 4}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("chunkPosition[0]");
        assertThatThrownBy(() -> ArrayMetadata.linearChunkIndex(new int[] {0}, new int[] {3, 4}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rank");
        assertThatThrownBy(() -> ArrayMetadata.chunkPositionOf(0, new int[] {3, 0}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("chunksPerDim[1]");
    }

    private static void assertRejected(ArrayMetadata.Builder builder, String field) {
        assertThatThrownBy(builder::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(field);
    }
}
