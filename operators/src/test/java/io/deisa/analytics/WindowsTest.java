package io.deisa.analytics;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WindowsTest {

    private static DeisaArray array(String name, long t) {
        return TestArrays.float64(new int[] {2}, new int[] {1}, t, t + 0.5).toArray(name, t);
    }

    private static Map<String, List<DeisaArray>> windowsOf(String... names) {
        Map<String, List<DeisaArray>> windows = new LinkedHashMap<>();
        for (String name : names) {
            windows.put(name, new ArrayList<>(List.of(array(name, 4), array(name, 5))));
        }
        return windows;
    }

    @Test
    void returnsEachWindowOldestFirst() {
        DeisaArray older = array("p", 4);
        DeisaArray newer = array("p", 5);
        DeisaArray temperature = array("t", 5);
        Windows windows = new Windows(5, Map.of("p", List.of(older, newer), "t", List.of(temperature)));

        assertThat(windows.timestep()).isEqualTo(5);
        assertThat(windows.get("p")).containsExactly(older, newer);
        assertThat(windows.get("t")).containsExactly(temperature);
    }

    @Test
    void namesKeepInsertionOrder() {
        Windows windows = new Windows(5, windowsOf("zeta", "alpha", "mu"));

        assertThat(windows.names()).containsExactly("zeta", "alpha", "mu");
    }

    @Test
    void unknownNameIsRejectedWithTheRequestedNames() {
        Windows windows = new Windows(5, windowsOf("temperature", "pressure"));

        assertThatThrownBy(() -> windows.get("density"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'density'")
                .hasMessageContaining("[temperature, pressure]");
    }

    @Test
    void copiesTheMapAndTheLists() {
        Map<String, List<DeisaArray>> source = windowsOf("p");
        Windows windows = new Windows(5, source);
        List<DeisaArray> before = List.copyOf(source.get("p"));

        source.get("p").clear();
        source.put("t", List.of(array("t", 5)));

        assertThat(windows.get("p")).containsExactlyElementsOf(before);
        assertThat(windows.names()).containsExactly("p");
    }

    @Test
    void viewsAreUnmodifiable() {
        Windows windows = new Windows(5, windowsOf("p"));

        assertThatThrownBy(() -> windows.get("p").clear())
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> windows.names().remove("p"))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void emptyWindowIsAllowed() {
        Windows windows = new Windows(0, Map.of("p", List.of()));

        assertThat(windows.get("p")).isEmpty();
    }

    @Test
    void rejectsNullArrays() {
        assertThatThrownBy(() -> new Windows(5, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new Windows(5, Map.of("p", Arrays.asList(array("p", 5), null))))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void toStringShowsTimestepAndArraysWithoutData() {
        Windows windows = new Windows(5, Map.of("p", List.of(array("p", 5))));

        assertThat(windows.toString()).contains("timestep=5").contains("name='p'").doesNotContain("5.5");
    }
}
