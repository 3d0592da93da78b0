package io.deisa.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.deisa.bridge.DType;

import org.junit.jupiter.api.Test;

class ArrayLayoutTest {

    private final ArrayLayout layout =
            new ArrayLayout(DType.INT32, new int[] {4, 5, 6}, new int[] {2, 3, 4});

    @Test
    void linearIndexIsRowMajorAndPositionIsItsInverse() {
        assertThat(layout.chunkCount()).isEqualTo(24);
        assertThat(layout.linearIndex(new int[] {0, 0, 1})).isEqualTo(1);
        assertThat(layout.linearIndex(new int[] {0, 1, 0})).isEqualTo(4);
        assertThat(layout.linearIndex(new int[] {1, 0, 0})).isEqualTo(12);
        for (int index = 0; index < layout.chunkCount(); index++) {
            assertThat(layout.linearIndex(layout.position(index))).isEqualTo(index);
        }
        assertThat(layout.position(23)).containsExactly(1, 2, 3);
    }

    @Test
    void containsChecksRankAndBounds() {
        assertThat(layout.contains(new int[] {1, 2, 3})).isTrue();
        assertThat(layout.contains(new int[] {2, 0, 0})).isFalse();
        assertThat(layout.contains(new int[] {0, -1, 0})).isFalse();
        assertThat(layout.contains(new int[] {0, 0})).isFalse();
        assertThat(layout.contains(null)).isFalse();
    }

    @Test
    void chunkBytesCountElementsTimesElementSize() {
        assertThat(layout.chunkBytes()).isEqualTo(4 * 5 * 6 * 4);
        assertThat(layout.matches(DType.INT32, new int[] {4, 5, 6}, new int[] {2, 3, 4})).isTrue();
        assertThat(layout.matches(DType.INT64, new int[] {4, 5, 6}, new int[] {2, 3, 4})).isFalse();
    }
}
