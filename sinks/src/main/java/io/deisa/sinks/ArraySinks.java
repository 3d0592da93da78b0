package io.deisa.sinks;

import io.deisa.analytics.DeisaArray;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Flink Sink V2 sinks that write every array they receive, one dataset or Zarr array per
 * timestep, so that a run keeps an array's history without a callback calling
 * {@link Hdf5#write} or {@link Zarr#write} by hand.
 *
 * <pre>{@code
 * Deisa deisa = new Deisa(options);
 * deisa.writeArrays("temperature", ArraySinks.hdf5(Path.of("temperature.h5")));     // datasets "0", "1", ...
 * deisa.writeArrays("pressure", ArraySinks.zarr(Path.of("pressure.zarr")));         // arrays "0", "1", ...
 * deisa.registerCallback(cb, List.of(WindowSpec.of("temperature")));
 * deisa.executeCallbacks();
 * }</pre>
 *
 * <p>The sinks can also be attached to any {@code DataStream<DeisaArray>} with {@code sinkTo}.
 * Each array is published atomically (see {@link Hdf5} and {@link Zarr}); a timestep written again
 * replaces the dataset or Zarr array written before. The sinks write local (or shared) file-system
 * paths, so with several task managers the path must be on a shared file system. They keep no
 * state: after a failure, the job restarts from its last completed checkpoint and the arrays of
 * the timesteps after it are written again, replacing what was written before the failure.
 */
@PublicEvolving
public final class ArraySinks {
    private ArraySinks() {}

    /** Writes each array to {@code file} as the virtual dataset named by its timestep ({@code "<t>"}). */
    public static Sink<DeisaArray> hdf5(Path file) {
        String path = SinkFiles.absolute(file, "HDF5 file").toString();
        return new ArrayFileSink(array -> Hdf5.write(Path.of(path), Long.toString(array.t()), array));
    }

    /** Writes each array to {@code store} as the Zarr v3 array named by its timestep ({@code "<t>"}). */
    public static Sink<DeisaArray> zarr(Path store) {
        return zarr(store, Zarr.Format.V3);
    }

    /** Writes each array to {@code store} as the Zarr array of {@code format} named by its timestep. */
    public static Sink<DeisaArray> zarr(Path store, Zarr.Format format) {
        String path = SinkFiles.absolute(store, "Zarr store").toString();
        Objects.requireNonNull(format, "format must not be null");
        return new ArrayFileSink(array -> Zarr.write(Path.of(path), Long.toString(array.t()), array, format));
    }

    /** Writes one array; serializable so that the sink can be shipped to task managers. */
    @FunctionalInterface
    interface ArrayWriter extends Serializable {
        void write(DeisaArray array);
    }

    /** A stateless sink whose writer hands each array to an {@link ArrayWriter}, synchronously. */
    static final class ArrayFileSink implements Sink<DeisaArray> {
        private static final long serialVersionUID = 1L;
        private final ArrayWriter writer;

        ArrayFileSink(ArrayWriter writer) {
            this.writer = writer;
        }

        @Override
        public SinkWriter<DeisaArray> createWriter(WriterInitContext context) {
            return new SinkWriter<>() {
                @Override
                public void write(DeisaArray array, Context context) {
                    writer.write(array);
                }

                @Override
                public void flush(boolean endOfInput) {
                    // every array is published before write returns
                }

                @Override
                public void close() {
                    // nothing is held open between arrays
                }
            };
        }
    }
}
