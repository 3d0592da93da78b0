/**
 * Results on disk: {@link io.deisa.sinks.Hdf5} (HDF5 virtual datasets over per-chunk files, with
 * Debian's JHDF5), {@link io.deisa.sinks.Zarr} (Zarr v3 or v2 directory stores), and
 * {@link io.deisa.sinks.ArraySinks}, Flink Sink V2 sinks that write every timestep of an array.
 *
 * <pre>{@code
 * // from a callback, at an interesting timestep
 * Hdf5.write(Path.of("interesting-event.h5"), "data", windows.get("temperature").get(0));
 * Zarr.write(Path.of("interesting-event.zarr"), "temperature", windows.get("temperature").get(0));
 * // every timestep, without a callback
 * deisa.writeArrays("temperature", ArraySinks.hdf5(Path.of("temperature.h5")));
 * }</pre>
 *
 * <p>Results are readable by independent tools: h5py and h5dump (HDF5 1.10+), zarr-python.
 */
package io.deisa.sinks;
