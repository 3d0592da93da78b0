package io.deisa.wire;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Safe binary encoding of feedback values, the small values analytics send back to the simulation.
 * No Java serialization: only the types below exist, and decoding never allocates more than the
 * input can hold.
 *
 * <pre>{@code
 * byte[] bytes = FeedbackCodec.encode(Map.of("dt", 0.5, "steps", List.of(1, 2)));
 * Object value = FeedbackCodec.decode(bytes);   // {dt=0.5, steps=[1, 2]} with Long elements
 * }</pre>
 *
 * <p><b>Layout (format version 1).</b> Big-endian. The first byte is the format version, {@value
 * #VERSION}, followed by exactly one value; nothing may follow it. A value is a tag byte and its
 * body:
 *
 * <table>
 *   <caption>Tags</caption>
 *   <tr><th>Tag</th><th>Java type (encoded)</th><th>Body</th><th>Decoded as</th></tr>
 *   <tr><td>{@code 0x00}</td><td>{@code null}</td><td>none</td><td>{@code null}</td></tr>
 *   <tr><td>{@code 0x01}</td><td>{@code Boolean}</td><td>1 byte, 0 or 1</td><td>{@code Boolean}</td></tr>
 *   <tr><td>{@code 0x02}</td><td>{@code Long}, {@code Integer}, {@code Short}, {@code Byte}</td>
 *       <td>8-byte two's complement</td><td>{@code Long}</td></tr>
 *   <tr><td>{@code 0x03}</td><td>{@code Double}, {@code Float}</td><td>8-byte IEEE 754</td>
 *       <td>{@code Double}</td></tr>
 *   <tr><td>{@code 0x04}</td><td>{@code String}</td><td>int byte count n, n bytes of UTF-8</td>
 *       <td>{@code String}</td></tr>
 *   <tr><td>{@code 0x05}</td><td>{@code double[]}</td><td>int count n, n × 8-byte IEEE 754</td>
 *       <td>{@code double[]}</td></tr>
 *   <tr><td>{@code 0x06}</td><td>{@code long[]}</td><td>int count n, n × 8 bytes</td>
 *       <td>{@code long[]}</td></tr>
 *   <tr><td>{@code 0x07}</td><td>{@code int[]}</td><td>int count n, n × 4 bytes</td>
 *       <td>{@code int[]} (kept as {@code int[]}, not widened)</td></tr>
 *   <tr><td>{@code 0x08}</td><td>{@code List<?>}</td><td>int count n, n values</td>
 *       <td>unmodifiable {@code List}</td></tr>
 *   <tr><td>{@code 0x09}</td><td>{@code Map<String, ?>}</td>
 *       <td>int count n, n × (int byte count k, k bytes of UTF-8 key, value)</td>
 *       <td>unmodifiable {@code Map} keeping the order (a {@code LinkedHashMap})</td></tr>
 * </table>
 *
 * <p>Lists and maps nest at most {@value #MAX_DEPTH} levels deep. Strings must be valid UTF-16 to
 * encode and valid UTF-8 to decode; map keys are unique.
 */
public final class FeedbackCodec {
    /** Format version written as the first byte. */
    public static final int VERSION = 1;
    /** Deepest nesting of lists and maps; a top-level list is at depth 1. */
    public static final int MAX_DEPTH = 64;

    private static final byte NULL = 0x00;
    private static final byte BOOLEAN = 0x01;
    private static final byte LONG = 0x02;
    private static final byte DOUBLE = 0x03;
    private static final byte STRING = 0x04;
    private static final byte DOUBLE_ARRAY = 0x05;
    private static final byte LONG_ARRAY = 0x06;
    private static final byte INT_ARRAY = 0x07;
    private static final byte LIST = 0x08;
    private static final byte MAP = 0x09;

    private static final String SUPPORTED = "null, Boolean, Integer, Long, Short, Byte, Double, Float, String, "
            + "double[], long[], int[], List or Map<String, ?> of these";

    private FeedbackCodec() {}

    /**
     * Encodes a feedback value.
     *
     * @param value a value of a supported type (see the class documentation)
     * @return the encoding, starting with the format version
     * @throws IllegalArgumentException naming the offending type when the value, an element or a
     *     map key is not supported, a string is not valid UTF-16, or lists and maps nest deeper than
     *     {@value #MAX_DEPTH}
     */
    public static byte[] encode(Object value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        try {
            out.writeByte(VERSION);
            write(out, value, 0);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed", e);
        }
        return bytes.toByteArray();
    }

    /**
     * Decodes bytes produced by {@link #encode(Object)}.
     *
     * @param bytes the encoding
     * @return the value: {@code null}, {@code Boolean}, {@code Long}, {@code Double}, {@code String},
     *     {@code double[]}, {@code long[]}, {@code int[]}, or an unmodifiable {@code List} or {@code
     *     Map<String, ?>} of these
     * @throws IllegalArgumentException when the bytes are empty, of another format version,
     *     truncated, malformed or followed by trailing bytes
     */
    public static Object decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            int version = in.get() & 0xff;
            if (version != VERSION) {
                throw new IllegalArgumentException("unsupported feedback format version " + version
                        + " (this decoder reads version " + VERSION + ")");
            }
            Object value = read(in, 0);
            if (in.hasRemaining()) {
                throw new IllegalArgumentException(in.remaining() + " trailing bytes after the feedback value");
            }
            return value;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated feedback value: " + bytes.length + " bytes end too early");
        }
    }

    private static void write(DataOutputStream out, Object value, int depth) throws IOException {
        if (value == null) {
            out.writeByte(NULL);
        } else if (value instanceof Boolean) {
            out.writeByte(BOOLEAN);
            out.writeBoolean((Boolean) value);
        } else if (value instanceof Long || value instanceof Integer || value instanceof Short
                || value instanceof Byte) {
            out.writeByte(LONG);
            out.writeLong(((Number) value).longValue());
        } else if (value instanceof Double || value instanceof Float) {
            out.writeByte(DOUBLE);
            out.writeDouble(((Number) value).doubleValue());
        } else if (value instanceof String) {
            out.writeByte(STRING);
            writeString(out, (String) value);
        } else if (value instanceof double[]) {
            double[] array = (double[]) value;
            out.writeByte(DOUBLE_ARRAY);
            out.writeInt(array.length);
            for (double v : array) {
                out.writeDouble(v);
            }
        } else if (value instanceof long[]) {
            long[] array = (long[]) value;
            out.writeByte(LONG_ARRAY);
            out.writeInt(array.length);
            for (long v : array) {
                out.writeLong(v);
            }
        } else if (value instanceof int[]) {
            int[] array = (int[]) value;
            out.writeByte(INT_ARRAY);
            out.writeInt(array.length);
            for (int v : array) {
                out.writeInt(v);
            }
        } else if (value instanceof List || value instanceof Map) {
            writeContainer(out, value, depth + 1);
        } else {
            throw new IllegalArgumentException("unsupported feedback value type " + value.getClass().getName()
                    + ": expected " + SUPPORTED);
        }
    }

    private static void writeContainer(DataOutputStream out, Object container, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("feedback value nests a " + container.getClass().getName()
                    + " deeper than " + MAX_DEPTH + " levels of lists and maps");
        }
        if (container instanceof List) {
            List<?> list = (List<?>) container;
            out.writeByte(LIST);
            out.writeInt(list.size());
            for (Object element : list) {
                write(out, element, depth);
            }
            return;
        }
        Map<?, ?> map = (Map<?, ?>) container;
        out.writeByte(MAP);
        out.writeInt(map.size());
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            if (!(entry.getKey() instanceof String)) {
                throw new IllegalArgumentException("unsupported feedback map key type "
                        + (entry.getKey() == null ? "null" : entry.getKey().getClass().getName())
                        + ": map keys must be String");
            }
            writeString(out, (String) entry.getKey());
            write(out, entry.getValue(), depth);
        }
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        ByteBuffer utf8;
        try {
            utf8 = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(s));
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("unsupported feedback String: not valid UTF-16 (unpaired surrogate)", e);
        }
        out.writeInt(utf8.remaining());
        out.write(utf8.array(), utf8.arrayOffset() + utf8.position(), utf8.remaining());
    }

    private static Object read(ByteBuffer in, int depth) {
        int offset = in.position();
        byte tag = in.get();
        switch (tag) {
            case NULL:
                return null;
            case BOOLEAN:
                return readBoolean(in);
            case LONG:
                return in.getLong();
            case DOUBLE:
                return in.getDouble();
            case STRING:
                return readString(in);
            case DOUBLE_ARRAY: {
                double[] array = new double[count(in, Double.BYTES, "double[]")];
                in.asDoubleBuffer().get(array);
                in.position(in.position() + array.length * Double.BYTES);
                return array;
            }
            case LONG_ARRAY: {
                long[] array = new long[count(in, Long.BYTES, "long[]")];
                in.asLongBuffer().get(array);
                in.position(in.position() + array.length * Long.BYTES);
                return array;
            }
            case INT_ARRAY: {
                int[] array = new int[count(in, Integer.BYTES, "int[]")];
                in.asIntBuffer().get(array);
                in.position(in.position() + array.length * Integer.BYTES);
                return array;
            }
            case LIST:
            case MAP:
                return readContainer(in, tag, depth + 1);
            default:
                throw new IllegalArgumentException(String.format(
                        "unknown feedback value tag 0x%02x at offset %d", tag & 0xff, offset));
        }
    }

    private static Object readContainer(ByteBuffer in, byte tag, int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("feedback value nests lists and maps deeper than " + MAX_DEPTH
                    + " levels at offset " + (in.position() - 1));
        }
        if (tag == LIST) {
            int size = count(in, 1, "List");
            List<Object> list = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                list.add(read(in, depth));
            }
            return Collections.unmodifiableList(list);
        }
        int size = count(in, Integer.BYTES + 1, "Map");
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < size; i++) {
            int offset = in.position();
            String key = readString(in);
            if (map.containsKey(key)) {
                throw new IllegalArgumentException("duplicate feedback map key '" + key + "' at offset " + offset);
            }
            map.put(key, read(in, depth));
        }
        return Collections.unmodifiableMap(map);
    }

    private static Boolean readBoolean(ByteBuffer in) {
        byte b = in.get();
        if (b != 0 && b != 1) {
            throw new IllegalArgumentException("invalid feedback Boolean byte " + b + " at offset "
                    + (in.position() - 1) + ": expected 0 or 1");
        }
        return b == 1;
    }

    private static String readString(ByteBuffer in) {
        int length = count(in, 1, "String");
        ByteBuffer utf8 = in.slice();
        utf8.limit(length);
        in.position(in.position() + length);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(utf8)
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("feedback String of " + length + " bytes is not valid UTF-8", e);
        }
    }

    /**
     * Reads an element count and checks that the remaining bytes can hold that many elements of at
     * least {@code minElementBytes} each, before anything is allocated.
     */
    private static int count(ByteBuffer in, int minElementBytes, String type) {
        int offset = in.position();
        int count = in.getInt();
        if (count < 0 || (long) count * minElementBytes > in.remaining()) {
            throw new IllegalArgumentException("invalid " + type + " size " + count + " at offset " + offset
                    + ": " + in.remaining() + " bytes remain");
        }
        return count;
    }
}
