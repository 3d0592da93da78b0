package io.deisa.wire;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Feedback published by the analytics: per key, the newest {@code capacity} values with strictly
 * increasing timesteps, still encoded with {@link FeedbackCodec}. Adding a value whose timestep is
 * not newer than the key's newest is ignored, which makes re-publishing after a restart
 * idempotent. Thread-safe.
 *
 * <p>Entry lists travel as {@code u32 count | count × (string key | i64 timestep | bytes value)}.
 */
public final class FeedbackTable {
    /**
     * One retained value.
     *
     * @param key the feedback key
     * @param timestep the timestep it was published for
     * @param value the value encoded with {@link FeedbackCodec}
     */
    public record Entry(String key, long timestep, byte[] value) {}

    private final int capacity;
    private final Map<String, Deque<Entry>> entries = new LinkedHashMap<>();

    /**
     * A table retaining {@code capacity} entries per key.
     *
     * @throws IllegalArgumentException if {@code capacity < 1}
     */
    public FeedbackTable(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("feedback capacity must be >= 1, got " + capacity);
        }
        this.capacity = capacity;
    }

    /** Adds an entry, evicting the key's oldest beyond capacity; false when it was not newer. */
    public synchronized boolean put(Entry entry) {
        Deque<Entry> queue = entries.computeIfAbsent(entry.key(), k -> new ArrayDeque<>());
        if (!queue.isEmpty() && queue.peekLast().timestep() >= entry.timestep()) {
            return false;
        }
        queue.addLast(entry);
        while (queue.size() > capacity) {
            queue.removeFirst();
        }
        return true;
    }

    /** The retained entries of {@code key}, oldest first. */
    public synchronized List<Entry> entries(String key) {
        Deque<Entry> queue = entries.get(key);
        return queue == null ? List.of() : List.copyOf(queue);
    }

    /** The entry of {@code key} at exactly {@code timestep}, as a list of zero or one. */
    public synchronized List<Entry> entry(String key, long timestep) {
        for (Entry e : entries(key)) {
            if (e.timestep() == timestep) {
                return List.of(e);
            }
        }
        return List.of();
    }

    /** Every retained entry, key by key, oldest first. */
    public synchronized List<Entry> all() {
        List<Entry> all = new ArrayList<>();
        entries.values().forEach(all::addAll);
        return all;
    }

    /** Number of retained entries. */
    public synchronized int size() {
        return entries.values().stream().mapToInt(Deque::size).sum();
    }

    /** Encodes an entry list. */
    public static byte[] encode(List<Entry> list) {
        PayloadWriter out = new PayloadWriter().putInt(list.size());
        for (Entry e : list) {
            out.putString(e.key()).putLong(e.timestep()).putBytes(e.value());
        }
        return out.toByteArray();
    }

    /** Decodes an entry list written by {@link #encode}. */
    public static List<Entry> decode(PayloadReader in) throws ProtocolException {
        int count = in.getInt();
        if (count < 0) {
            throw new ProtocolException("Negative feedback entry count " + count);
        }
        List<Entry> list = new ArrayList<>(Math.min(count, 1024));
        for (int i = 0; i < count; i++) {
            list.add(new Entry(in.getString(), in.getLong(), in.getBytes()));
        }
        in.expectEnd();
        return list;
    }
}
