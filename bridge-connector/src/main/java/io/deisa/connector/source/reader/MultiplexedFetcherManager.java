package io.deisa.connector.source.reader;

import io.deisa.connector.source.ChunkRecord;
import io.deisa.connector.source.split.BridgeSplit;

import org.apache.flink.annotation.Internal;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.source.reader.fetcher.SingleThreadFetcherManager;
import org.apache.flink.connector.base.source.reader.fetcher.SplitFetcher;
import org.apache.flink.connector.base.source.reader.fetcher.SplitFetcherTask;
import org.apache.flink.connector.base.source.reader.splitreader.SplitReader;

import java.util.Map;
import java.util.function.Supplier;

/**
 * One fetcher thread for all the bridges of a source reader, running a {@link
 * MultiplexedBridgeReader}; acknowledgements are handed to that thread, which owns the
 * connections.
 */
@Internal
public final class MultiplexedFetcherManager extends SingleThreadFetcherManager<ChunkRecord, BridgeSplit> {

    /** Creates the fetcher's split reader with {@code splitReaderSupplier}. */
    public MultiplexedFetcherManager(
            Supplier<SplitReader<ChunkRecord, BridgeSplit>> splitReaderSupplier, Configuration config) {
        super(splitReaderSupplier, config);
    }

    /**
     * Has the fetcher send each bridge of {@code positions} (split id to sequence number) an ACK,
     * in the fetcher's own thread, between two fetches. Skipped when no fetcher runs (every bridge
     * finished): acknowledgements are cumulative.
     */
    public void acknowledge(Map<String, Long> positions) {
        SplitFetcher<ChunkRecord, BridgeSplit> fetcher = getRunningFetcher();
        if (fetcher == null) {
            return;
        }
        fetcher.enqueueTask(new SplitFetcherTask() {
            @Override
            public boolean run() throws java.io.IOException {
                ((MultiplexedBridgeReader) fetcher.getSplitReader()).acknowledge(positions);
                return true;
            }

            @Override
            public void wakeUp() {}
        });
    }
}
