package io.deisa.sinks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Reads results back with tools that share no code with this project: Debian's h5py and
 * zarr-python under {@code /usr/bin/python3}, {@code h5dump}, and a plain reading of the Zarr v3
 * specification (src/test/resources/io/deisa/sinks/read_back.py).
 *
 * <p>Under CI (environment variable {@code CI} set) missing tools fail the test; elsewhere they
 * skip it, with the reason.
 */
final class IndependentReaders {
    static final Path PYTHON = Path.of("/usr/bin/python3");
    static final Path H5DUMP = Path.of("/usr/bin/h5dump");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static volatile String missing;

    private IndependentReaders() {}

    /** Skips the calling test outside CI when the readers are not installed (see bin/setup). */
    static void assumeAvailable() {
        if (missing == null) {
            missing = probe();
        }
        if (missing.isEmpty()) {
            return;
        }
        if (System.getenv("CI") != null) {
            throw new AssertionError("Independent readers missing under CI: " + missing + " (run bin/setup)");
        }
        assumeTrue(false, "Independent readers missing: " + missing + " (run bin/setup)");
    }

    private static String probe() {
        if (!Files.isExecutable(PYTHON) || !Files.isExecutable(H5DUMP)) {
            return PYTHON + " or " + H5DUMP;
        }
        try {
            run(List.of(PYTHON.toString(), "-c", "import h5py, zarr, numpy"));
            return "";
        } catch (AssertionError e) {
            return "python3-h5py / python3-zarr (" + e.getMessage() + ")";
        }
    }

    /** h5py's view of {@code dataset} in {@code file}. */
    static JsonNode hdf5(Path file, String dataset) {
        return python("hdf5", file, dataset);
    }

    /** zarr-python's view of a Zarr v2 array. */
    static JsonNode zarrV2(Path store, String component) {
        return python("zarr2", store, component);
    }

    /** The Zarr v3 array as the specification defines it: zarr.json and raw chunk bytes. */
    static JsonNode zarrV3(Path store, String component) {
        return python("zarr3", store, component);
    }

    /** The values {@code h5dump} prints for {@code dataset}, in C order. */
    static List<String> h5dumpValues(Path file, String dataset) {
        String text = run(List.of(H5DUMP.toString(), "-d", "/" + dataset, "-y", "-w", "0", file.toString()));
        int data = text.indexOf("DATA {");
        assertThat(data).as("h5dump output of %s:%s%n%s", file, dataset, text).isNotNegative();
        String body = text.substring(data + "DATA {".length(), text.indexOf('}', data));
        List<String> values = new ArrayList<>();
        for (String value : body.trim().split("[,\\s]+")) {
            if (!value.isEmpty()) {
                values.add(value);
            }
        }
        return values;
    }

    private static JsonNode python(String kind, Path path, String name) {
        try (InputStream script = IndependentReaders.class.getResourceAsStream("read_back.py")) {
            Path file = Files.createTempFile("deisa-read-back", ".py");
            try {
                Files.write(file, script.readAllBytes());
                return JSON.readTree(run(List.of(PYTHON.toString(), file.toString(), kind, path.toString(), name)));
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new AssertionError("Cannot run read_back.py " + kind + " " + path + " " + name, e);
        }
    }

    private static String run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("Timed out: " + command);
            }
            String text = new String(output, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new AssertionError(command + " exited with " + process.exitValue() + ":\n" + text);
            }
            return text;
        } catch (IOException e) {
            throw new AssertionError("Cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted: " + command, e);
        }
    }
}
