package io.deisa.analytics;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WindowSpecTest {

    @Test
    void ofNameHasWindowSizeOne() {
        WindowSpec spec = WindowSpec.of("temperature");

        assertThat(spec.name()).isEqualTo("temperature");
        assertThat(spec.windowSize()).isEqualTo(1);
    }

    @Test
    void ofNameAndSizeKeepsBoth() {
        WindowSpec spec = WindowSpec.of("pressure", 3);

        assertThat(spec.name()).isEqualTo("pressure");
        assertThat(spec.windowSize()).isEqualTo(3);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
    void rejectsWindowSizeBelowOne(int windowSize) {
        assertThatThrownBy(() -> WindowSpec.of("pressure", windowSize))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(">= 1")
                .hasMessageContaining(String.valueOf(windowSize))
                .hasMessageContaining("pressure");
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {" ", "\t"})
    void rejectsNullOrBlankName(String name) {
        assertThatThrownBy(() -> WindowSpec.of(name)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("name");
        assertThatThrownBy(() -> WindowSpec.of(name, 2)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void hasValueEquality() {
        assertThat(WindowSpec.of("t"))
                .isEqualTo(WindowSpec.of("t", 1))
                .hasSameHashCodeAs(WindowSpec.of("t", 1));
        assertThat(WindowSpec.of("t", 2))
                .isNotEqualTo(WindowSpec.of("t", 3))
                .isNotEqualTo(WindowSpec.of("p", 2));
        assertThat(WindowSpec.of("t")).isNotEqualTo(null).isNotEqualTo("t");
    }

    @Test
    void toStringNamesArrayAndSize() {
        assertThat(WindowSpec.of("pressure", 3).toString()).contains("pressure").contains("3");
    }

    @Test
    void survivesJavaSerialization() throws Exception {
        WindowSpec spec = WindowSpec.of("pressure", 3);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(spec);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertThat(in.readObject()).isEqualTo(spec);
        }
    }
}
