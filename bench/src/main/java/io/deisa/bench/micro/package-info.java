/**
 * JMH micro-benchmarks of the data hot path, each step of a chunk's way from the simulation to a
 * callback measured alone, in one thread, without network or Flink runtime:
 *
 * <ul>
 *   <li>{@link io.deisa.bench.micro.MemoryCopyBenchmark}: the baseline, plain copies of a chunk
 *       ({@code System.arraycopy}, a new {@code byte[]}, {@code double[]} into a direct buffer as
 *       in {@code Bridge.send}, direct to direct);
 *   <li>{@link io.deisa.bench.micro.WireChunkBenchmark}: a CHUNK frame of the data channel encoded
 *       by {@code DataFrameWriter} and decoded by {@code DataFrameReader};
 *   <li>{@link io.deisa.bench.micro.ChunkRecordSerializationBenchmark}: Flink's serializer of the
 *       source's {@code ChunkRecord}, both ways;
 *   <li>{@link io.deisa.bench.micro.AssembledArraySerializationBenchmark}: Flink's serializer of
 *       the assembler's {@code AssembledArray} (four chunks), both ways;
 *   <li>{@link io.deisa.bench.micro.AssemblyBenchmark}: four chunks assembled into a {@code
 *       DeisaArray}, alone, with a global mean, and with the whole array materialised.
 * </ul>
 *
 * <h2>Sizes and units</h2>
 *
 * <p>Every benchmark has one parameter, {@code chunkSide}: a chunk is {@code chunkSide ×
 * chunkSide} {@code float64} values, 256 (512 KiB) and 1024 (8 MiB) by default; any other size can
 * be given with {@code -p chunkSide=...}. Mind the caches when comparing sizes: at 256 a copy's
 * source and destination fit in L2 or L3, at 1024 they can still fit in a large server L3, while
 * the four-chunk benchmarks touch four times as much. Every score is an average time in <b>µs per operation</b>
 * ({@code Mode.AverageTime}). One operation handles one chunk, except in {@code
 * AssembledArraySerializationBenchmark} and {@code AssemblyBenchmark} where it handles the four
 * chunks of a 2×2 grid. So the throughput in MB/s (10<sup>6</sup> bytes per second) is the bytes
 * per operation divided by the score:
 *
 * <table>
 *   <caption>Bytes per operation</caption>
 *   <tr><th>chunkSide</th><th>one chunk</th><th>four chunks</th></tr>
 *   <tr><td>256</td><td>524,288</td><td>2,097,152</td></tr>
 *   <tr><td>1024</td><td>8,388,608</td><td>33,554,432</td></tr>
 * </table>
 *
 * <p>for example 8,388,608 bytes in 1,200 µs/op is 6,990 MB/s. Comparing a step with {@code
 * MemoryCopyBenchmark} at the same size tells how far it is from the cost of the one copy it cannot
 * avoid.
 *
 * <h2>Running</h2>
 *
 * <p>Build the module (the JMH annotation processor writes {@code META-INF/BenchmarkList} into
 * {@code bench/target/classes}), then run JMH's main class on the module's class path, from the
 * repository root:
 *
 * <pre>{@code
 * mvn -B -ntp -q install -DskipTests -pl bench -am
 * CP=bench/target/classes:$(cat bench/target/bench-classpath.txt)
 *
 * # everything, with the defaults of the classes (1 fork with a 2 GiB heap, 3 × 2 s warm-up,
 * # 5 × 2 s measurement: about 8 minutes)
 * java -cp "$CP" org.openjdk.jmh.Main 'io.deisa.bench.micro'
 *
 * # a quick check that every benchmark runs (seconds per benchmark, numbers only indicative)
 * java -cp "$CP" org.openjdk.jmh.Main -f 1 -wi 1 -i 1 -w 1s -r 1s 'io.deisa.bench.micro'
 *
 * # one class, one size, with the allocation profiler (gc.alloc.rate.norm is bytes allocated per
 * # operation: a chunk-sized figure means the step allocates a copy of the chunk)
 * java -cp "$CP" org.openjdk.jmh.Main -p chunkSide=1024 -prof gc WireChunkBenchmark
 *
 * # machine-readable results
 * java -cp "$CP" org.openjdk.jmh.Main -rf json -rff micro.json 'io.deisa.bench.micro'
 * }</pre>
 *
 * <p>{@code -l} lists the benchmarks and {@code -h} shows every option. Run one JMH at a time on an
 * otherwise idle machine: the benchmarks are single-threaded but memory-bandwidth bound, so
 * anything else running skews them.
 *
 * <h2>What is not measured</h2>
 *
 * <p>The kernel's copies and the network, Flink's network stack (records copied into and out of
 * network buffers; records larger than 5 MiB go through a spill file on the receiving side) and
 * the state backend that holds chunks in {@code ChunkAssembler} and {@code WindowStore}. The
 * end-to-end scenarios of {@code bin/bench} measure those.
 */
package io.deisa.bench.micro;
