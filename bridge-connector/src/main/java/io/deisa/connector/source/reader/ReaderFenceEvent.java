package io.deisa.connector.source.reader;

import org.apache.flink.annotation.Internal;
import org.apache.flink.api.connector.source.SourceEvent;

/**
 * Enumerator to reader: the fencing token of the reader attempt that just registered, larger than
 * any handed out before by this job's coordinator (see {@link ReaderFence}).
 *
 * @param token the attempt's fencing token
 */
@Internal
public record ReaderFenceEvent(long token) implements SourceEvent {}
