package io.deisa.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FeedbackCodecTest {

    private static Object roundTrip(Object value) {
        return FeedbackCodec.decode(FeedbackCodec.encode(value));
    }

    @Test
    void firstByteIsTheFormatVersion() {
        assertThat(FeedbackCodec.encode(null)).containsExactly(1, 0);
    }

    @Test
    void roundTripsScalars() {
        assertThat(roundTrip(null)).isNull();
        assertThat(roundTrip(true)).isEqualTo(Boolean.TRUE);
        assertThat(roundTrip(false)).isEqualTo(Boolean.FALSE);
        assertThat(roundTrip("héllo, 世界 🌍")).isEqualTo("héllo, 世界 🌍");
        assertThat(roundTrip("")).isEqualTo("");
    }

    @Test
    void integralNumbersComeBackAsLong() {
        assertThat(roundTrip(42)).isEqualTo(42L);
        assertThat(roundTrip(Long.MIN_VALUE)).isEqualTo(Long.MIN_VALUE);
        assertThat(roundTrip((short) -7)).isEqualTo(-7L);
        assertThat(roundTrip((byte) 5)).isEqualTo(5L);
    }

    @Test
    void floatingPointNumbersComeBackAsDouble() {
        assertThat(roundTrip(0.25)).isEqualTo(0.25);
        assertThat(roundTrip(1.5f)).isEqualTo(1.5);
        assertThat(roundTrip(Double.NaN)).isEqualTo(Double.NaN);
        assertThat(roundTrip(Double.NEGATIVE_INFINITY)).isEqualTo(Double.NEGATIVE_INFINITY);
    }

    @Test
    void roundTripsPrimitiveArraysKeepingTheirType() {
        assertThat(roundTrip(new double[] {1.5, -2, Double.MAX_VALUE})).isEqualTo(new double[] {1.5, -2, Double.MAX_VALUE});
        assertThat(roundTrip(new long[] {Long.MAX_VALUE, 0, -1})).isEqualTo(new long[] {Long.MAX_VALUE, 0, -1});
        assertThat(roundTrip(new int[] {Integer.MIN_VALUE, 3})).isEqualTo(new int[] {Integer.MIN_VALUE, 3});
        assertThat(roundTrip(new double[0])).isEqualTo(new double[0]);
    }

    @Test
    void roundTripsNestedListsAndMapsAsUnmodifiableCollections() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("z", 1);
        inner.put("a", null);
        inner.put("m", List.of("x", 2.5f));
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("steps", Arrays.asList(1, null, true));
        value.put("grid", new int[] {4, 4});
        value.put("inner", inner);

        Object decoded = roundTrip(value);

        assertThat(decoded).isInstanceOf(Map.class);
        Map<String, Object> map = asMap(decoded);
        assertThat(map.keySet()).containsExactly("steps", "grid", "inner");
        assertThat(map.get("steps")).isEqualTo(Arrays.asList(1L, null, true));
        assertThat((int[]) map.get("grid")).containsExactly(4, 4);
        Map<String, Object> decodedInner = asMap(map.get("inner"));
        assertThat(decodedInner.keySet()).containsExactly("z", "a", "m");
        assertThat(decodedInner.get("m")).isEqualTo(List.of("x", 2.5));
        assertThatThrownBy(() -> map.put("x", 1))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> ((List<?>) map.get("steps")).add(null))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void nestsUpToTheMaximumDepth() {
        assertThat(roundTrip(nestedLists(FeedbackCodec.MAX_DEPTH))).isEqualTo(nestedLists(FeedbackCodec.MAX_DEPTH));
        assertThatThrownBy(() -> FeedbackCodec.encode(nestedLists(FeedbackCodec.MAX_DEPTH + 1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("deeper than 64");
    }

    @Test
    void rejectsSelfReferencingList() {
        List<Object> loop = new ArrayList<>();
        loop.add(loop);

        assertThatThrownBy(() -> FeedbackCodec.encode(loop)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("deeper than");
    }

    @Test
    void rejectsUnsupportedTypesNamingThem() {
        assertUnsupported(new BigDecimal("1.5"), "java.math.BigDecimal");
        assertUnsupported(new float[] {1f}, "[F");
        assertUnsupported(Set.of(1), "Set");
        assertUnsupported('c', "java.lang.Character");
        assertUnsupported(List.of(1, new Object()), "java.lang.Object");
        assertUnsupported(Map.of(1, "one"), "java.lang.Integer");
        assertUnsupported(Collections.singletonMap(null, "x"), "null");
        assertUnsupported("\uD800 unpaired", "UTF-16");
    }

    @Test
    void rejectsMalformedInput() {
        assertMalformed(new byte[0], "truncated");
        assertMalformed(new byte[] {2, 0}, "version 2");
        assertMalformed(new byte[] {1, 0x42}, "tag 0x42");
        assertMalformed(new byte[] {1, 0, 0}, "1 trailing bytes");
        assertMalformed(new byte[] {1, 1, 7}, "Boolean byte 7");
        assertMalformed(new byte[] {1, 4, 0, 0, 0, 2, (byte) 0xC3, 0x28}, "not valid UTF-8");
        assertMalformed(new byte[] {1, 5, 0x7f, -1, -1, -1}, "double[] size 2147483647");
        assertMalformed(new byte[] {1, 8, -1, -1, -1, -1}, "List size -1");
        byte[] duplicate = {1, 9, 0, 0, 0, 2, 0, 0, 0, 1, 'k', 0, 0, 0, 0, 1, 'k', 0};
        assertMalformed(duplicate, "duplicate feedback map key 'k'");
    }

    @Test
    void rejectsTooDeepInput() {
        byte[] deep = new byte[1 + 5 * (FeedbackCodec.MAX_DEPTH + 1) + 1];
        deep[0] = 1;
        for (int level = 0; level <= FeedbackCodec.MAX_DEPTH; level++) {
            deep[1 + 5 * level] = 8;
            deep[1 + 5 * level + 4] = 1;
        }
        assertMalformed(deep, "deeper than 64");
    }

    @Test
    void rejectsEveryTruncationOfAValidEncoding() {
        byte[] valid = FeedbackCodec.encode(Map.of("a", List.of(1, "two", new double[] {3}), "b", new long[] {4}));
        for (int length = 0; length < valid.length; length++) {
            byte[] truncated = Arrays.copyOf(valid, length);
            assertThatThrownBy(() -> FeedbackCodec.decode(truncated))
                    .as("length %d", length)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void randomBytesOnlyEverRaiseIllegalArgumentException() {
        Random random = new Random(20240611);
        byte[] seed = FeedbackCodec.encode(Map.of("x", List.of(1, 2.0, "s", new int[] {1}), "y", true));
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes = i % 2 == 0 ? randomBytes(random) : mutate(seed, random);
            try {
                FeedbackCodec.decode(bytes);
            } catch (IllegalArgumentException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
        }
    }

    private static byte[] randomBytes(Random random) {
        byte[] bytes = new byte[random.nextInt(64)];
        random.nextBytes(bytes);
        if (bytes.length > 0 && random.nextBoolean()) {
            bytes[0] = 1;
        }
        return bytes;
    }

    private static byte[] mutate(byte[] seed, Random random) {
        byte[] bytes = Arrays.copyOf(seed, random.nextInt(seed.length + 1));
        for (int flips = random.nextInt(4); flips >= 0 && bytes.length > 0; flips--) {
            bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
        }
        return bytes;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object value) {
        return (Map<String, Object>) value;
    }

    private static Object nestedLists(int depth) {
        Object value = "leaf";
        for (int i = 0; i < depth; i++) {
            value = List.of(value);
        }
        return value;
    }

    private static void assertUnsupported(Object value, String typeName) {
        assertThatThrownBy(() -> FeedbackCodec.encode(value))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(typeName);
    }

    private static void assertMalformed(byte[] bytes, String message) {
        assertThatThrownBy(() -> FeedbackCodec.decode(bytes))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }
}
