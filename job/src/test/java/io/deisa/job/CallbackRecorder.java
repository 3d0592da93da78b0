package io.deisa.job;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Collects what callbacks observed, across the serialization boundary of a local Flink job (the
 * callbacks and the test share a JVM). Each test uses its own key.
 */
final class CallbackRecorder {
    private static final Map<String, List<Object>> OBSERVED = new ConcurrentHashMap<>();

    private CallbackRecorder() {}

    static String newKey() {
        String key = UUID.randomUUID().toString();
        OBSERVED.put(key, new CopyOnWriteArrayList<>());
        return key;
    }

    static void record(String key, Object observation) {
        OBSERVED.get(key).add(observation);
    }

    static List<Object> observed(String key) {
        return List.copyOf(OBSERVED.get(key));
    }
}
