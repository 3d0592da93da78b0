package io.deisa.connector.source.head;

import io.deisa.bridge.ArrayMetadata;
import io.deisa.wire.ArrayDeclaration;
import io.deisa.wire.Registration;

import org.apache.flink.annotation.Internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Collects bridge registrations and checks that they describe one consistent world: one
 * simulation (every bridge announces the simulation id that its bridge 0 chose), one world
 * size, unique ids in {@code [0, worldSize)}, one grid, chunk shape and dtype per array, every chunk
 * position claimed exactly once, and every array the analytics request declared by some bridge.
 * Violations name the bridges and the addresses they registered from. Not thread-safe.
 */
@Internal
public final class BridgeRegistry {
    private final Set<String> requestedArrays;
    private final Map<Integer, Registration> bridges = new TreeMap<>();
    /** Per bridge id: the address it registered from, for messages. */
    private final Map<Integer, String> addresses = new HashMap<>();
    private String simulationId;
    /** Per array: the first declaration and the bridge that made it. */
    private final Map<String, ArrayDeclaration> firstDeclaration = new TreeMap<>();
    private final Map<String, Integer> firstDeclarer = new HashMap<>();
    /** Per array: which bridge claims which linear chunk index. */
    private final Map<String, Map<Integer, Integer>> claims = new HashMap<>();
    private int worldSize = -1;

    /** A registry for a job whose callbacks request {@code requestedArrays}. */
    public BridgeRegistry(Set<String> requestedArrays) {
        this.requestedArrays = new TreeSet<>(requestedArrays);
    }

    /**
     * Adds one registration after checking it against the earlier ones.
     *
     * @param from the address the registration came from, named in violations
     * @return true when this registration completed the world
     * @throws ContractViolation naming the bridges, their addresses and the conflicting values
     */
    public boolean register(Registration r, String from) throws ContractViolation {
        int id = r.bridgeId();
        if (simulationId == null) {
            simulationId = r.simulationId();
        } else if (!simulationId.equals(r.simulationId())) {
            throw new ContractViolation("Bridge " + id + " (from " + from + ") belongs to simulation "
                    + r.simulationId() + " but bridge(s) " + describe(bridges.keySet()) + " of simulation "
                    + simulationId + " registered first: two simulations use one analytics head");
        }
        if (worldSize < 0) {
            worldSize = r.worldSize();
        } else if (r.worldSize() != worldSize) {
            throw new ContractViolation("Bridge " + id + " (from " + from + ") expects world size " + r.worldSize()
                    + " but earlier bridges " + describe(bridges.keySet()) + " expect " + worldSize);
        }
        if (id < 0 || id >= worldSize) {
            throw new ContractViolation("Bridge id " + id + " (from " + from + ") is outside [0, " + worldSize + ")");
        }
        if (bridges.containsKey(id)) {
            throw new ContractViolation("Bridge id " + id + " registered twice: from " + addresses.get(id)
                    + " and from " + from);
        }
        checkArrays(r, from);
        for (ArrayDeclaration array : r.arrays()) {
            firstDeclaration.putIfAbsent(array.name(), array);
            firstDeclarer.putIfAbsent(array.name(), id);
            claims.computeIfAbsent(array.name(), k -> new HashMap<>())
                    .put(array.metadata().linearChunkIndex(), id);
        }
        bridges.put(id, r);
        addresses.put(id, from);
        return isComplete();
    }

    /** Bridge ids with their addresses, e.g. {@code [0 (from /10.0.0.1:4711)]}. */
    private String describe(Iterable<Integer> ids) {
        List<String> described = new ArrayList<>();
        for (int id : ids) {
            described.add(describeOne(id));
        }
        return described.toString();
    }

    private String describeOne(int id) {
        return id + " (from " + addresses.get(id) + ")";
    }

    private void checkArrays(Registration r, String from) throws ContractViolation {
        Set<String> names = new TreeSet<>();
        for (ArrayDeclaration array : r.arrays()) {
            if (!names.add(array.name())) {
                throw new ContractViolation("Bridge " + r.bridgeId() + " (from " + from + ") declares array '"
                        + array.name() + "' twice");
            }
        }
        for (ArrayDeclaration array : r.arrays()) {
            ArrayDeclaration first = firstDeclaration.get(array.name());
            if (first == null) {
                continue;
            }
            ArrayMetadata a = array.metadata();
            ArrayMetadata b = first.metadata();
            String conflict = null;
            if (a.dtype() != b.dtype()) {
                conflict = "dtype " + a.dtype().numpyName() + " vs " + b.dtype().numpyName();
            } else if (!Arrays.equals(a.chunksPerDim(), b.chunksPerDim())) {
                conflict = "chunksPerDim " + Arrays.toString(a.chunksPerDim()) + " vs "
                        + Arrays.toString(b.chunksPerDim());
            } else if (!Arrays.equals(a.chunkShape(), b.chunkShape())) {
                conflict = "chunkShape " + Arrays.toString(a.chunkShape()) + " vs "
                        + Arrays.toString(b.chunkShape());
            }
            if (conflict != null) {
                throw new ContractViolation("Bridge " + r.bridgeId() + " (from " + from + ") declares array '"
                        + array.name() + "' differently from bridge "
                        + describeOne(firstDeclarer.get(array.name())) + ": " + conflict);
            }
            Integer owner = claims.get(array.name()).get(a.linearChunkIndex());
            if (owner != null) {
                throw new ContractViolation("Bridges " + owner + " (from " + addresses.get(owner) + ") and "
                        + r.bridgeId() + " (from " + from + ") both claim chunk position " + Arrays.toString(a.chunkPosition()) + " of array '"
                        + array.name() + "'");
            }
        }
    }

    /** Whether every bridge of the world has registered. */
    public boolean isComplete() {
        return worldSize > 0 && bridges.size() == worldSize;
    }

    /**
     * Checks the complete world: every chunk of every array is owned by a bridge, and every
     * requested array is declared.
     *
     * @throws ContractViolation naming the missing positions or arrays
     */
    public void checkComplete() throws ContractViolation {
        for (Map.Entry<String, ArrayDeclaration> entry : firstDeclaration.entrySet()) {
            ArrayMetadata md = entry.getValue().metadata();
            Map<Integer, Integer> owners = claims.get(entry.getKey());
            if (owners.size() != md.chunkCount()) {
                List<String> missing = new ArrayList<>();
                for (int i = 0; i < md.chunkCount() && missing.size() < 10; i++) {
                    if (!owners.containsKey(i)) {
                        missing.add(Arrays.toString(ArrayMetadata.chunkPositionOf(i, md.chunksPerDim())));
                    }
                }
                throw new ContractViolation("Array '" + entry.getKey() + "' has a grid of "
                        + Arrays.toString(md.chunksPerDim()) + " chunks but no bridge owns position(s) "
                        + String.join(", ", missing) + (owners.size() + 10 < md.chunkCount() ? ", ..." : ""));
            }
        }
        Set<String> undeclared = new TreeSet<>(requestedArrays);
        undeclared.removeAll(firstDeclaration.keySet());
        if (!undeclared.isEmpty()) {
            throw new ContractViolation("The analytics request array(s) " + undeclared
                    + " that no bridge declared; declared arrays: " + firstDeclaration.keySet());
        }
    }

    /** The registration of bridge {@code id}, or null. */
    public Registration registration(int id) {
        return bridges.get(id);
    }

    /** The registrations, by bridge id. */
    public List<Registration> registrations() {
        return List.copyOf(bridges.values());
    }

    /** The simulation the registered bridges belong to, or null before the first registration. */
    public String simulationId() {
        return simulationId;
    }

    /** The ids of the bridges registered so far, with their addresses, for messages. */
    public String registeredBridges() {
        return describe(bridges.keySet());
    }

    /** The ids in {@code [0, worldSize)} that have not registered (at most 20, then "..."), for messages. */
    public String missingBridges() {
        List<String> missing = new ArrayList<>();
        for (int id = 0; id < worldSize && missing.size() <= 20; id++) {
            if (!bridges.containsKey(id)) {
                missing.add(missing.size() == 20 ? "..." : Integer.toString(id));
            }
        }
        return missing.toString();
    }

    /** The expected number of bridges, or -1 before the first registration. */
    public int worldSize() {
        return worldSize;
    }
}
