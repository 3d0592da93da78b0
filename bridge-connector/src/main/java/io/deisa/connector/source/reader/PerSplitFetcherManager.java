package io.deisa.connector.source.reader;

import io.deisa.connector.source.ChunkRecord;
import io.deisa.connector.source.split.BridgeSplit;

import org.apache.flink.annotation.Internal;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.source.reader.fetcher.SplitFetcher;
import org.apache.flink.connector.base.source.reader.fetcher.SplitFetcherTask;
import org.apache.flink.connector.base.source.reader.fetcher.SplitFetcherManager;
import org.apache.flink.connector.base.source.reader.splitreader.SplitReader;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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

    /** The fetcher of each split, for acknowledgements. */
    private final Map<String, SplitFetcher<ChunkRecord, BridgeSplit>> bySplit = new ConcurrentHashMap<>();

    @Override
    public void addSplits(List<BridgeSplit> splits) {
        for (BridgeSplit split : splits) {
            SplitFetcher<ChunkRecord, BridgeSplit> fetcher = createSplitFetcher();
            fetcher.addSplits(List.of(split));
            bySplit.put(split.splitId(), fetcher);
            startFetcher(fetcher);
        }
    }

    /**
     * Has the fetcher of each split send its bridge an ACK of {@code positions}' sequence number, in
     * the fetcher's own thread (it owns the connection), between two fetches.
     */
    public void acknowledge(Map<String, Long> positions) {
        positions.forEach((splitId, sequence) -> {
            SplitFetcher<ChunkRecord, BridgeSplit> fetcher = bySplit.get(splitId);
            if (fetcher == null) {
                return;
            }
            fetcher.enqueueTask(new SplitFetcherTask() {
                @Override
                public boolean run() throws IOException {
                    ((BridgeSplitReader) fetcher.getSplitReader()).acknowledge(sequence);
                    return true;
                }

                @Override
                public void wakeUp() {}
            });
        });
    }

    @Override
    public void removeSplits(List<BridgeSplit> splits) {
        throw new UnsupportedOperationException("Bridge splits are never removed from a reader");
    }
}
