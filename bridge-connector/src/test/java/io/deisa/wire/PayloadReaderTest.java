package io.deisa.wire;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.util.Arrays;

class PayloadReaderTest {

    private static PayloadReader reader(byte[] payload) {
        return new PayloadReader(payload, "REGISTER");
    }

    @Test
    void everyTypeRoundTripsThroughTheWriter() throws ProtocolException {
        String longText = "ü".repeat(700);
        int[] manyInts = new int[500];
        Arrays.setAll(manyInts, i -> i * i - 1000);
        byte[] payload = new PayloadWriter()
                .putByte(0xFE)
                .putShort(0xBEEF)
                .putInt(-123_456_789)
                .putLong(Long.MIN_VALUE + 5)
                .putString("temperature")
                .putString("")
                .putString(longText)
                .putBytes(new byte[] {1, 2, 3})
                .putIntArray(new int[0])
                .putIntArray(manyInts)
                .putInt(77)
                .toByteArray();
        PayloadReader in = reader(payload);
        assertThat(in.getByte()).isEqualTo((byte) 0xFE);
        assertThat(in.getShort()).isEqualTo((short) 0xBEEF);
        assertThat(in.getInt()).isEqualTo(-123_456_789);
        assertThat(in.getLong()).isEqualTo(Long.MIN_VALUE + 5);
        assertThat(in.getString()).isEqualTo("temperature");
        assertThat(in.getString()).isEmpty();
        assertThat(in.getString()).isEqualTo(longText);
        assertThat(in.getBytes()).containsExactly(1, 2, 3);
        assertThat(in.getIntArray()).isEmpty();
        assertThat(in.getIntArray()).isEqualTo(manyInts);
        assertThat(in.remainder().order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
        assertThat(in.remainder().getInt()).isEqualTo(77);
        assertThat(in.getInt()).isEqualTo(77);
        in.expectEnd();
    }

    @Test
    void valuesAreLittleEndian() throws ProtocolException {
        assertThat(new PayloadWriter().putInt(0x01020304).putShort(0x0506).toByteArray())
                .containsExactly(4, 3, 2, 1, 6, 5);
        assertThat(new PayloadWriter().putString("ab").toByteArray()).containsExactly(2, 0, 0, 0, 'a', 'b');
        assertThat(reader(new byte[] {1, 0, 0, 0, 0, 0, 0, (byte) 0x80}).getLong())
                .isEqualTo(Long.MIN_VALUE + 1);
    }

    @Test
    void readsPastTheEndAreProtocolErrorsNamingTheFrame() {
        assertThatThrownBy(() -> reader(new byte[0]).getByte())
                .isInstanceOf(ProtocolException.class)
                .hasMessage("Truncated REGISTER frame: cannot read a byte at byte 0 of 0");
        assertThatThrownBy(() -> reader(new byte[1]).getShort())
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("cannot read a 16-bit value");
        assertThatThrownBy(() -> reader(new byte[3]).getInt())
                .isInstanceOf(ProtocolException.class)
                .hasMessage("Truncated REGISTER frame: cannot read a 32-bit value at byte 0 of 3");
        assertThatThrownBy(() -> reader(new byte[7]).getLong())
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("cannot read a 64-bit value");
        PayloadReader partly = reader(new byte[] {1, 2, 3, 4, 5});
        assertThatThrownBy(() -> {
            partly.getInt();
            partly.getInt();
        }).isInstanceOf(ProtocolException.class).hasMessageContaining("at byte 4 of 5");
    }

    @Test
    void lyingLengthsAreProtocolErrorsNotAllocations() {
        // a string claiming 2^31-1 bytes in a 6-byte payload
        byte[] huge = new PayloadWriter().putInt(Integer.MAX_VALUE).putShort(0).toByteArray();
        assertThatThrownBy(() -> reader(huge).getString())
                .isInstanceOf(ProtocolException.class)
                .hasMessage("Bad byte string length 2147483647 in REGISTER frame: only 2 bytes left");
        byte[] negative = new PayloadWriter().putInt(-1).toByteArray();
        assertThatThrownBy(() -> reader(negative).getBytes())
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("Bad byte string length -1");
        byte[] oneShort = new PayloadWriter().putInt(3).putShort(0).toByteArray();
        assertThatThrownBy(() -> reader(oneShort).getBytes())
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("length 3")
                .hasMessageContaining("only 2 bytes left");
        // an int array count whose byte size overflows an int
        for (int count : new int[] {0x4000_0001, 0x7FFF_FFFF, 3, -5}) {
            byte[] array = new PayloadWriter().putInt(count).putInt(1).putInt(2).toByteArray();
            assertThatThrownBy(() -> reader(array).getIntArray())
                    .as("count %d", count)
                    .isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("Bad integer array length " + count);
        }
    }

    @Test
    void trailingBytesAreReported() throws ProtocolException {
        PayloadReader in = reader(new byte[] {1, 2, 3});
        in.getByte();
        assertThatThrownBy(in::expectEnd)
                .isInstanceOf(ProtocolException.class)
                .hasMessage("REGISTER frame has 2 unexpected trailing bytes");
    }

    @Test
    void invalidUtf8DecodesWithReplacementCharacters() throws ProtocolException {
        byte[] payload = new PayloadWriter().putBytes(new byte[] {'o', (byte) 0xC3, 'k'}).toByteArray();
        assertThat(reader(payload).getString()).isEqualTo("o\uFFFDk");
        assertThat(new String(new PayloadWriter().putString("é").toByteArray(), 4, 2, UTF_8)).isEqualTo("é");
    }
}
