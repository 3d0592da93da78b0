package io.deisa.connector.source.reader;

import io.deisa.connector.source.ChunkRecord;
import io.deisa.connector.source.split.BridgeSplit;

import org.apache.flink.annotation.Internal;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.source.reader.fetcher.SplitFetcher;
import org.apache.flink.connector.base.source.reader.fetcher.SplitFetcherManager;
import org.apache.flink.connector.base.source.reader.splitreader.SplitReader;

import java.util.List;
import java.util.function.Supplier;

/**
 * Gives every bridge split its own fetcher thread: a bridge's connection is read with blocking
 * I/O, and one slow or silent bridge never delays the others of the same reader.
 */
@Internal
public final class PerSplitFetcherManager extends SplitFetcherManager<ChunkRecord, BridgeSplit> {

    /** Creates split readers with {@code splitReaderSupplier}. */
    public PerSplitFetcherManager(
            Supplier<SplitReader<ChunkRecord, BridgeSplit>> splitReaderSupplier, Configuration config) {
        super(splitReaderSupplier, config);
    }

    @Override
    public void addSplits(List<BridgeSplit> splits) {
        for (BridgeSplit split : splits) {
            SplitFetcher<ChunkRecord, BridgeSplit> fetcher = createSplitFetcher();
            fetcher.addSplits(List.of(split));
            startFetcher(fetcher);
        }
    }

    @Override
    public void removeSplits(List<BridgeSplit> splits) {
        throw new UnsupportedOperationException("Bridge splits are never removed from a reader");
    }
}
