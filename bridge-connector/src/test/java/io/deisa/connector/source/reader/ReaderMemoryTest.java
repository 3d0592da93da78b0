package io.deisa.connector.source.reader;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

class ReaderMemoryTest {

    @Test
    void aRefusedChunkWakesItsReaderOnlyOnceItFits() {
        ReaderMemory memory = new ReaderMemory(100);
        AtomicInteger wakes = new AtomicInteger();
        assertThat(memory.tryAcquire(40, wakes::incrementAndGet)).isTrue();
        assertThat(memory.tryAcquire(40, wakes::incrementAndGet)).isTrue();
        assertThat(memory.tryAcquire(60, wakes::incrementAndGet)).as("80 + 60 > 100").isFalse();

        memory.release(10); // 70 held: 60 still does not fit
        assertThat(wakes).hasValue(0);
        memory.release(30); // 40 held: it fits now
        assertThat(wakes).hasValue(1);
        memory.release(10); // nobody waits any more
        assertThat(wakes).hasValue(1);
        assertThat(memory.inUse()).isEqualTo(30);
    }

    @Test
    void aChunkLargerThanTheBoundIsLetThroughAlone() {
        ReaderMemory memory = new ReaderMemory(100);
        AtomicInteger wakes = new AtomicInteger();
        assertThat(memory.tryAcquire(10, wakes::incrementAndGet)).isTrue();
        assertThat(memory.tryAcquire(500, wakes::incrementAndGet)).isFalse();
        memory.release(10); // nothing held: the large chunk may go
        assertThat(wakes).hasValue(1);
        assertThat(memory.tryAcquire(500, wakes::incrementAndGet)).isTrue();
        assertThat(memory.inUse()).isEqualTo(500);
    }
}
