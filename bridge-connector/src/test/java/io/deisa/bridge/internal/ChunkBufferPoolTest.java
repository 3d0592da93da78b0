package io.deisa.bridge.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.deisa.bridge.DeisaException;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

class ChunkBufferPoolTest {
    private static final Duration GUARD = Duration.ofSeconds(5);
    private static final Supplier<DeisaException> NO_FAILURE = () -> null;

    /** An acquire running in its own thread, so that the test can watch it block. */
    private static final class Acquirer {
        final FutureTask<ByteBuffer> task;
        final Thread thread;

        Acquirer(Callable<ByteBuffer> acquire) {
            task = new FutureTask<>(acquire);
            thread = new Thread(task, "acquirer");
            thread.setDaemon(true);
            thread.start();
        }

        /** Waits until the thread waits inside the pool's monitor (it has no other way to wait). */
        Acquirer awaitBlocked() {
            while (thread.getState() != Thread.State.TIMED_WAITING && thread.getState() != Thread.State.WAITING) {
                assertThat(task.isDone()).as("acquire returned instead of blocking").isFalse();
                Thread.onSpinWait();
            }
            return this;
        }
    }

    private static Acquirer acquireInThread(ChunkBufferPool pool, int size, Supplier<DeisaException> failure) {
        return new Acquirer(() -> pool.acquire(size, failure));
    }

    @Test
    void boundMustBePositive() {
        assertThatThrownBy(() -> new ChunkBufferPool(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got 0");
        assertThatThrownBy(() -> new ChunkBufferPool(-5)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void buffersAreExactDirectLittleEndianAndReusedBySize() throws InterruptedException {
        ChunkBufferPool pool = new ChunkBufferPool(1 << 20);
        ByteBuffer first = pool.acquire(1000, NO_FAILURE);
        assertThat(first.capacity()).isEqualTo(1000);
        assertThat(first.remaining()).isEqualTo(1000);
        assertThat(first.isDirect()).isTrue();
        assertThat(first.order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
        assertThat(pool.bytesInUse()).isEqualTo(1000);

        first.putLong(42).flip();
        pool.release(first);
        assertThat(pool.bytesInUse()).isZero();

        ByteBuffer again = pool.acquire(1000, NO_FAILURE);
        assertThat(again).isSameAs(first);
        assertThat(again.position()).isZero();
        assertThat(again.limit()).isEqualTo(1000);
        assertThat(again.order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
        assertThat(pool.bytesInUse()).isEqualTo(1000);

        ByteBuffer other = pool.acquire(2000, NO_FAILURE);
        assertThat(other).isNotSameAs(first);
        assertThat(other.capacity()).isEqualTo(2000);
        assertThat(pool.bytesInUse()).isEqualTo(3000);

        // two same-size buffers in the free list are both reused before anything is allocated
        pool.release(again);
        ByteBuffer third = pool.acquire(1000, NO_FAILURE);
        assertThat(third).isSameAs(first);
        assertThat(pool.blockedNanos()).isZero();
    }

    @Test
    void acquireBlocksAtTheBoundAndResumesOnRelease() {
        assertTimeoutPreemptively(GUARD, () -> {
            ChunkBufferPool pool = new ChunkBufferPool(2048);
            ByteBuffer a = pool.acquire(1024, NO_FAILURE);
            pool.acquire(1024, NO_FAILURE);
            assertThat(pool.bytesInUse()).isEqualTo(2048);

            Acquirer blocked = acquireInThread(pool, 512, NO_FAILURE).awaitBlocked();
            assertThatThrownBy(() -> blocked.task.get(100, TimeUnit.MILLISECONDS))
                    .isInstanceOf(TimeoutException.class);
            assertThat(pool.bytesInUse()).isEqualTo(2048);

            pool.release(a);
            ByteBuffer got = blocked.task.get(2, TimeUnit.SECONDS);
            assertThat(got.capacity()).isEqualTo(512);
            // the free 1024-byte buffer made room for the new one: in use 1024 + 512, nothing more held
            assertThat(pool.bytesInUse()).isEqualTo(1536);
            // it waited at least the 100 ms the test watched it block
            assertThat(pool.blockedNanos()).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(90));
        });
    }

    @Test
    void blockedNanosAccumulatesOverEpisodes() {
        assertTimeoutPreemptively(GUARD, () -> {
            ChunkBufferPool pool = new ChunkBufferPool(100);
            assertThat(pool.blockedNanos()).isZero();
            long previous = 0;
            for (int episode = 0; episode < 2; episode++) {
                ByteBuffer held = pool.acquire(100, NO_FAILURE);
                Acquirer blocked = acquireInThread(pool, 100, NO_FAILURE).awaitBlocked();
                assertThatThrownBy(() -> blocked.task.get(30, TimeUnit.MILLISECONDS))
                        .isInstanceOf(TimeoutException.class);
                pool.release(held);
                pool.release(blocked.task.get(2, TimeUnit.SECONDS));
                long now = pool.blockedNanos();
                assertThat(now - previous).as("episode %d", episode)
                        .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(25));
                previous = now;
            }
        });
    }

    @Test
    void oversizedChunkIsAcceptedWhenNothingElseIsHeld() {
        assertTimeoutPreemptively(GUARD, () -> {
            ChunkBufferPool pool = new ChunkBufferPool(1000);
            ByteBuffer huge = pool.acquire(5000, NO_FAILURE);
            assertThat(huge.capacity()).isEqualTo(5000);
            assertThat(pool.bytesInUse()).isEqualTo(5000);

            // while it is held, even a small chunk waits
            Acquirer small = acquireInThread(pool, 10, NO_FAILURE).awaitBlocked();
            pool.release(huge);
            assertThat(small.task.get(2, TimeUnit.SECONDS).capacity()).isEqualTo(10);
            // the huge free buffer was dropped to stay within the bound
            assertThat(pool.bytesInUse()).isEqualTo(10);
        });
    }

    @Test
    void oversizedChunkWaitsUntilEverythingElseIsReleased() {
        assertTimeoutPreemptively(GUARD, () -> {
            ChunkBufferPool pool = new ChunkBufferPool(1000);
            ByteBuffer small = pool.acquire(100, NO_FAILURE);
            Acquirer huge = acquireInThread(pool, 5000, NO_FAILURE).awaitBlocked();
            pool.release(small);
            assertThat(huge.task.get(2, TimeUnit.SECONDS).capacity()).isEqualTo(5000);
            assertThat(pool.bytesInUse()).isEqualTo(5000);
        });
    }

    @Test
    void failureAbortsABlockedAcquireAfterWakeUp() {
        assertTimeoutPreemptively(GUARD, () -> {
            ChunkBufferPool pool = new ChunkBufferPool(100);
            pool.acquire(100, NO_FAILURE);
            AtomicReference<DeisaException> failure = new AtomicReference<>();
            Acquirer blocked = acquireInThread(pool, 50, failure::get).awaitBlocked();

            DeisaException jobFailed = new DeisaException("The analytics job failed: boom");
            failure.set(jobFailed);
            pool.wakeUp();
            assertThatThrownBy(() -> blocked.task.get(1, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isSameAs(jobFailed);
            assertThat(pool.bytesInUse()).isEqualTo(100);
        });
    }

    @Test
    void failureIsReportedEvenWhenThereIsRoom() {
        ChunkBufferPool pool = new ChunkBufferPool(100);
        DeisaException failed = new DeisaException("gone");
        assertThatThrownBy(() -> pool.acquire(10, () -> failed)).isSameAs(failed);
        assertThat(pool.bytesInUse()).isZero();
    }

    @Test
    void interruptAbortsABlockedAcquire() {
        assertTimeoutPreemptively(GUARD, () -> {
            ChunkBufferPool pool = new ChunkBufferPool(100);
            pool.acquire(100, NO_FAILURE);
            Acquirer blocked = acquireInThread(pool, 50, NO_FAILURE).awaitBlocked();
            blocked.thread.interrupt();
            assertThatThrownBy(() -> blocked.task.get(1, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isInstanceOf(InterruptedException.class);
            assertThat(pool.bytesInUse()).isEqualTo(100);
        });
    }
}
