package io.deisa.operators;

import io.deisa.analytics.DeisaArray;
import io.deisa.analytics.Windows;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Events recorded by test callbacks. Callbacks are serialized into the operator, so they cannot
 * share an object with the test; they capture the id of a log instead.
 */
final class CallLog {

    private static final Map<String, List<String>> LOGS = new ConcurrentHashMap<>();

    private CallLog() {}

    /** A new, empty log; remove it with {@link #remove(String)}. */
    static String create() {
        String id = UUID.randomUUID().toString();
        LOGS.put(id, Collections.synchronizedList(new ArrayList<>()));
        return id;
    }

    static void add(String id, String event) {
        LOGS.get(id).add(event);
    }

    static List<String> events(String id) {
        return List.copyOf(LOGS.get(id));
    }

    static void remove(String id) {
        LOGS.remove(id);
    }

    /** "label@t A=[t1, t2] B=[t3]": the timesteps of each window, oldest first. */
    static String describe(String label, Windows windows) {
        return label
                + "@"
                + windows.timestep()
                + windows.names().stream()
                        .map(
                                name ->
                                        " "
                                                + name
                                                + "="
                                                + windows.get(name).stream()
                                                        .map(DeisaArray::t)
                                                        .collect(Collectors.toList()))
                        .collect(Collectors.joining());
    }
}
