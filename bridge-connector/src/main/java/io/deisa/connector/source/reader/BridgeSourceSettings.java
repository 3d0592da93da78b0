package io.deisa.connector.source.reader;

import org.apache.flink.annotation.Internal;

import java.io.Serializable;
import java.time.Duration;

/**
 * Connection settings of source readers.
 *
 * @param connectTimeout how long a reader tries to connect to a bridge's data endpoint
 * @param frameTimeout how long a reader waits for the rest of a frame once it started
 * @param pollTimeout how long one fetch waits for a frame before returning empty
 * @param maxFrameBytes frames longer than this are refused as malformed
 * @param readerMemoryBytes chunk bytes one reader holds at most between its sockets and the
 *     operators chained after it
 */
@Internal
public record BridgeSourceSettings(
        Duration connectTimeout, Duration frameTimeout, Duration pollTimeout, int maxFrameBytes,
        long readerMemoryBytes)
        implements Serializable {}
