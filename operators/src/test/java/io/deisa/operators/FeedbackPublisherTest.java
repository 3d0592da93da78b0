package io.deisa.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.deisa.wire.FeedbackCodec;
import io.deisa.wire.Frame;
import io.deisa.wire.FrameIO;
import io.deisa.wire.PayloadReader;
import io.deisa.wire.Protocol;

import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The publisher against a fake head on a real socket: what it sends, keeps and re-sends. */
class FeedbackPublisherTest {
    private ServerSocket head;
    /** The fake head's side of the last accepted connection. */
    private volatile java.io.OutputStream headOut;

    @BeforeEach
    void startHead() throws IOException {
        head = new ServerSocket(0);
    }

    @AfterEach
    void stopHead() throws IOException {
        head.close();
    }

    private OneInputStreamOperatorTestHarness<FeedbackRecord, Void> harness(int queueSize) throws Exception {
        return new OneInputStreamOperatorTestHarness<>(
                new FeedbackPublisher("127.0.0.1:" + head.getLocalPort(), queueSize, Duration.ofSeconds(10)));
    }

    /** Accepts the publisher on another thread (its open() waits for our HELLO). */
    private CompletableFuture<InputStream> acceptAsync() {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return accept();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Accepts the publisher and answers its HELLO. */
    private InputStream accept() throws IOException {
        Socket socket = head.accept();
        headOut = socket.getOutputStream();
        InputStream in = new BufferedInputStream(socket.getInputStream());
        FrameIO.expectHello(in, Protocol.CHANNEL_PUBLISH, "publisher");
        FrameIO.write(socket.getOutputStream(), Protocol.HELLO, FrameIO.helloPayload(Protocol.CHANNEL_PUBLISH));
        return in;
    }

    /** Reads frames until {@code count} were read, as "FEEDBACK key@t=value" / "PROGRESS t". */
    private static List<String> frames(InputStream in, int count) throws IOException {
        List<String> frames = new ArrayList<>();
        while (frames.size() < count) {
            Frame frame = FrameIO.read(in, Protocol.MAX_CONTROL_FRAME);
            PayloadReader payload = frame.reader();
            if (frame.type() == Protocol.FEEDBACK) {
                frames.add("FEEDBACK " + payload.getString() + "@" + payload.getLong() + "="
                        + FeedbackCodec.decode(payload.getBytes()));
            } else if (frame.type() == Protocol.FAILURE) {
                frames.add("FAILURE " + FrameIO.errorReason(frame));
            } else {
                frames.add(frame.name() + " " + payload.getLong());
            }
        }
        return frames;
    }

    private static FeedbackRecord record(String key, long t, Object value) {
        return new FeedbackRecord(key, t, FeedbackCodec.encode(value));
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void relaysFeedbackAndWatermarksAsProgressAndRepublishesAfterRestore() throws Exception {
        OperatorSubtaskState snapshot;
        try (OneInputStreamOperatorTestHarness<FeedbackRecord, Void> first = harness(2)) {
            first.setup();
            CompletableFuture<InputStream> connection = acceptAsync();
            first.open();
            InputStream in = connection.get(30, TimeUnit.SECONDS);
            first.processElement(record("power", 0, 1.5), 0);
            first.processWatermark(new Watermark(0));
            first.processElement(record("power", 1, 1.25), 1);
            first.processElement(record("power", 1, 9.0), 1); // not newer: ignored
            first.processElement(record("power", 2, 1.0), 2);
            first.processElement(record("state", 2, "ok"), 2);
            first.processWatermark(new Watermark(2));
            first.processWatermark(new Watermark(1)); // never goes back
            first.processElement(FeedbackRecord.failure("callback #0 threw java.lang.AssertionError"), 2);
            // The end of input waits until the head stopped listening (RUN_ENDED).
            CompletableFuture<Void> end = CompletableFuture.runAsync(() -> {
                try {
                    first.processWatermark(new Watermark(Long.MAX_VALUE));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(frames(in, 8)).containsExactly(
                    "FEEDBACK power@0=1.5", "PROGRESS 0", "FEEDBACK power@1=1.25", "FEEDBACK power@2=1.0",
                    "FEEDBACK state@2=ok", "PROGRESS 2", "FAILURE callback #0 threw java.lang.AssertionError",
                    "PROGRESS " + Long.MAX_VALUE);
            assertThat(end).isNotDone();
            FrameIO.write(headOut, Protocol.RUN_ENDED);
            end.get(30, TimeUnit.SECONDS);
            snapshot = first.snapshot(1, 3);
        }

        try (OneInputStreamOperatorTestHarness<FeedbackRecord, Void> restored = harness(2)) {
            restored.setup();
            restored.initializeState(snapshot);
            CompletableFuture<InputStream> connection = acceptAsync();
            restored.open();
            // The broadcast state kept the newest two values of each key and they are published again.
            assertThat(frames(connection.get(30, TimeUnit.SECONDS), 3)).containsExactlyInAnyOrder(
                    "FEEDBACK power@1=1.25", "FEEDBACK power@2=1.0", "FEEDBACK state@2=ok");
        }
    }
}
