package io.deisa.connector.source.head;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deisa.bridge.ArrayMetadata;
import io.deisa.bridge.DType;
import io.deisa.wire.ArrayDeclaration;
import io.deisa.wire.Registration;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

class BridgeRegistryTest {

    private static ArrayDeclaration array(String name, DType dtype, int[] shape, int[] grid, int... position) {
        return new ArrayDeclaration(name, ArrayMetadata.builder()
                .dtype(dtype).chunkShape(shape).chunksPerDim(grid).chunkPosition(position).build());
    }

    /** Bridge {@code id} of a 2x2 grid of 4x4 float64 chunks of "temperature" at {@code position}. */
    private static Registration bridge(int id, int worldSize, int... position) {
        return new Registration(id, worldSize, "sim", "10.0.0." + id, 40000 + id, "node" + id,
                List.of(array("temperature", DType.FLOAT64, new int[] {4, 4}, new int[] {2, 2}, position)));
    }

    private static Registration bridge(int id, int worldSize, ArrayDeclaration... arrays) {
        return new Registration(id, worldSize, "sim", "10.0.0." + id, 40000 + id, "node" + id, List.of(arrays));
    }

    /** Registers {@code r} as if it came from {@code /10.0.0.<id>:5000}. */
    private static boolean register(BridgeRegistry registry, Registration r) throws ContractViolation {
        return registry.register(r, "/10.0.0." + r.bridgeId() + ":5000");
    }

    @Test
    void consistentWorldCompletes() throws ContractViolation {
        BridgeRegistry registry = new BridgeRegistry(Set.of("temperature"));
        assertThat(registry.worldSize()).isEqualTo(-1);
        assertThat(registry.isComplete()).isFalse();
        // registration order is not id order
        assertThat(register(registry, bridge(2, 4, 1, 0))).isFalse();
        assertThat(registry.worldSize()).isEqualTo(4);
        assertThat(register(registry, bridge(0, 4, 0, 0))).isFalse();
        assertThat(register(registry, bridge(3, 4, 1, 1))).isFalse();
        assertThat(registry.isComplete()).isFalse();
        assertThat(register(registry, bridge(1, 4, 0, 1))).isTrue();
        assertThat(registry.isComplete()).isTrue();
        registry.checkComplete();
        assertThat(registry.registrations()).extracting(Registration::bridgeId).containsExactly(0, 1, 2, 3);
        assertThat(registry.registrations().get(2)).isEqualTo(bridge(2, 4, 1, 0));
    }

    @Test
    void severalArraysAndBridgesWithoutSomeArraysComplete() throws ContractViolation {
        // "pressure" is held by bridge 0 alone (a 1x1 grid); "temperature" is split over both.
        BridgeRegistry registry = new BridgeRegistry(Set.of("temperature", "pressure"));
        assertThat(register(registry, bridge(0, 2,
                array("temperature", DType.INT32, new int[] {3}, new int[] {2}, 0),
                array("pressure", DType.FLOAT32, new int[] {5, 5}, new int[] {1, 1}, 0, 0)))).isFalse();
        assertThat(register(registry, bridge(1, 2,
                array("temperature", DType.INT32, new int[] {3}, new int[] {2}, 1)))).isTrue();
        registry.checkComplete();
    }

    @Test
    void worldSizeMismatchIsAViolation() throws ContractViolation {
        BridgeRegistry registry = new BridgeRegistry(Set.of());
        register(registry, bridge(0, 4, 0, 0));
        assertThatThrownBy(() -> register(registry, bridge(1, 3, 0, 1)))
                .isInstanceOf(ContractViolation.class)
                .hasMessageContaining("Bridge 1")
                .hasMessageContaining("world size 3")
                .hasMessageContaining("expect 4").hasMessageContaining("earlier bridges [0 (from /10.0.0.0:5000)]");
    }

    @Test
    void idOutOfRangeIsAViolation() throws ContractViolation {
        for (int id : new int[] {4, 5, -1, Integer.MAX_VALUE}) {
            BridgeRegistry registry = new BridgeRegistry(Set.of());
            register(registry, bridge(0, 4, 0, 0));
            assertThatThrownBy(() -> register(registry, bridge(id, 4, 0, 1)))
                    .isInstanceOf(ContractViolation.class)
                    .hasMessageContaining("Bridge id " + id)
                    .hasMessageContaining("[0, 4)");
        }
    }

    @Test
    void zeroWorldSizeIsAViolation() {
        BridgeRegistry registry = new BridgeRegistry(Set.of());
        assertThatThrownBy(() -> register(registry, bridge(0, 0, 0, 0)))
                .isInstanceOf(ContractViolation.class)
                .hasMessageContaining("Bridge id 0 (from /10.0.0.0:5000) is outside [0, 0)");
        assertThat(registry.isComplete()).isFalse();
    }

    @Test
    void duplicateIdIsAViolation() throws ContractViolation {
        BridgeRegistry registry = new BridgeRegistry(Set.of());
        register(registry, bridge(1, 4, 0, 1));
        assertThatThrownBy(() -> register(registry, bridge(1, 4, 1, 1)))
                .isInstanceOf(ContractViolation.class)
                .hasMessageContaining("Bridge id 1 registered twice");
        assertThat(registry.registrations()).hasSize(1);
    }

    @Test
    void duplicateIdNamesBothAddresses() throws ContractViolation {
        BridgeRegistry registry = new BridgeRegistry(Set.of());
        registry.register(bridge(1, 4, 0, 1), "/10.0.0.1:5000");
        assertThatThrownBy(() -> registry.register(bridge(1, 4, 1, 1), "/10.0.0.9:6000"))
                .isInstanceOf(ContractViolation.class)
                .hasMessage("Bridge id 1 registered twice: from /10.0.0.1:5000 and from /10.0.0.9:6000");
    }

    @Test
    void aBridgeOfAnotherSimulationIsAViolation() throws ContractViolation {
        BridgeRegistry registry = new BridgeRegistry(Set.of());
        register(registry, bridge(0, 2, 0, 0));
        Registration other = new Registration(1, 2, "other-sim", "10.0.0.1", 40001, "node1",
                bridge(1, 2, 0, 1).arrays());
        assertThatThrownBy(() -> register(registry, other))
                .isInstanceOf(ContractViolation.class)
                .hasMessageContaining("Bridge 1 (from /10.0.0.1:5000) belongs to simulation other-sim")
                .hasMessageContaining("[0 (from /10.0.0.0:5000)] of simulation sim");
        assertThat(registry.simulationId()).isEqualTo("sim");
        assertThat(registry.registrations()).hasSize(1);
    }

    @Test
    void dtypeConflictNamesBothBridges() throws ContractViolation {
        BridgeRegistry registry = new BridgeRegistry(Set.of());
        register(registry, bridge(2, 4, 0, 0));
        Registration conflicting = bridge(3, 4,
                array("temperature", DType.FLOAT32, new int[] {4, 4}, new int[] {2, 2}, 0, 1));
        assertThatThrownBy(() -> register(registry, conflicting))
                .isInstanceOf(ContractViolation.class)
                .hasMessageContaining("Bridge 3")
                .hasMessageContaining("from bridge 2")
                .hasMessageContaining("'temperature'")
                .hasMessageContaining("dtype float32 vs float64");
    }

    @Test
    void gridConflictNamesBothBridges() throws ContractViolation {
        BridgeRegistry registry = new BridgeRegistry(Set.of());
        register(registry, bridge(0, 4, 0, 0));
        Registration conflicting = bridge(1, 4,
                array("temperature", DType.FLOAT64, new int[] {4, 4}, new int[] {2, 3}, 0, 1));
        assertThatThrownBy(() -> register(registry, conflicting))
                .isInstanceOf(ContractViolation.class)
                .hasMessageContaining("Bridge 1")
                .hasMessageContaining("bridge 0")
                .hasMessageContaining("chunksPerDim [2, 3] vs [2, 2]");
    }

    @Test
    void chunkShapeConflictNamesBothBridges() throws ContractViolation {
        BridgeRegistry registry = new BridgeRegistry(Set.of());
        register(registry, bridge(0, 4, 0, 0));
        register(registry, bridge(1, 4, 0, 1));
        Registration conflicting = bridge(2, 4,
                array("temperature", DType.FLOAT64, new int[] {4, 5}, new int[] {2, 2}, 1, 0));
        // the first declarer (bridge 0) is named, not the latest one
        assertThatThrownBy(() -> register(registry, conflicting))
                .isInstanceOf(ContractViolation.class)
                .hasMessageContaining("Bridge 2 (from /10.0.0.2:5000) declares array 'temperature' differently from bridge 0 (from /10.0.0.0:5000)")
                .hasMessageContaining("chunkShape [4, 5] vs [4, 4]");
    }

    @Test
    void twoBridgesClaimingOnePositionIsAViolation() throws ContractViolation {
        BridgeRegistry registry = new BridgeRegistry(Set.of());
        register(registry, bridge(0, 4, 0, 0));
        register(registry, bridge(1, 4, 1, 1));
        assertThatThrownBy(() -> register(registry, bridge(3, 4, 1, 1)))
                .isInstanceOf(ContractViolation.class)
                .hasMessageContaining("Bridges 1 (from /10.0.0.1:5000) and 3 (from /10.0.0.3:5000) both claim chunk position [1, 1] of array 'temperature'");
        // the rejected bridge left no trace
        assertThat(registry.registrations()).extracting(Registration::bridgeId).containsExactly(0, 1);
    }

    @Test
    void uncoveredPositionsAtCompletionAreNamed() throws ContractViolation {
        // Two bridges for a 2x2 grid: positions [0, 1] and [1, 0] have no owner.
        BridgeRegistry registry = new BridgeRegistry(Set.of("temperature"));
        register(registry, bridge(0, 2, 0, 0));
        assertThat(register(registry, bridge(1, 2, 1, 1))).isTrue();
        assertThatThrownBy(registry::checkComplete)
                .isInstanceOf(ContractViolation.class)
                .hasMessageContaining("Array 'temperature' has a grid of [2, 2] chunks")
                .hasMessageContaining("no bridge owns position(s) [0, 1], [1, 0]")
                .hasMessageNotContaining("...");
    }

    @Test
    void manyUncoveredPositionsAreElided() throws ContractViolation {
        BridgeRegistry registry = new BridgeRegistry(Set.of());
        assertThat(register(registry, bridge(0, 1,
                array("big", DType.UINT8, new int[] {1}, new int[] {20}, 0)))).isTrue();
        assertThatThrownBy(registry::checkComplete)
                .isInstanceOf(ContractViolation.class)
                .hasMessageContaining("position(s) [1], [2], [3], [4], [5], [6], [7], [8], [9], [10], ...")
                .hasMessageNotContaining("[11]");
    }

    @Test
    void requestedArrayNotDeclaredListsTheDeclaredArrays() throws ContractViolation {
        BridgeRegistry registry = new BridgeRegistry(Set.of("temperature", "velocity", "density"));
        assertThat(register(registry, bridge(0, 1,
                array("temperature", DType.FLOAT64, new int[] {2}, new int[] {1}, 0),
                array("pressure", DType.FLOAT64, new int[] {2}, new int[] {1}, 0)))).isTrue();
        assertThatThrownBy(registry::checkComplete)
                .isInstanceOf(ContractViolation.class)
                .hasMessageContaining("request array(s) [density, velocity]")
                .hasMessageContaining("declared arrays: [pressure, temperature]");
    }

    @Test
    void anArrayDeclaredTwiceByOneBridgeIsRejected() {
        BridgeRegistry registry = new BridgeRegistry(Set.of("temperature"));
        ArrayDeclaration once = array("temperature", DType.FLOAT64, new int[] {4, 4}, new int[] {2, 2}, 0, 0);
        assertThatThrownBy(() -> register(registry, bridge(0, 4, once, once)))
                .isInstanceOf(ContractViolation.class)
                .hasMessageContaining("Bridge 0").hasMessageContaining("'temperature' twice");
    }
}
