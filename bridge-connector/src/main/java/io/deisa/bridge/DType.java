package io.deisa.bridge;

import java.util.Locale;

/**
 * Element type of a distributed array, with the NumPy spellings simulations already use.
 *
 * <pre>{@code
 * DType t = DType.of("<f8");   // FLOAT64
 * int bytes = t.byteSize();    // 8
 * }</pre>
 *
 * <p>Chunks travel and are stored as raw little-endian bytes of this type.
 */
public enum DType {
    INT8(1, true, false, "int8", "i1", "byte"),
    INT16(2, true, false, "int16", "i2", "<i2", "short"),
    INT32(4, true, false, "int32", "i4", "<i4", "int"),
    INT64(8, true, false, "int64", "i8", "<i8", "long"),
    UINT8(1, false, false, "uint8", "u1"),
    UINT16(2, false, false, "uint16", "u2"),
    UINT32(4, false, false, "uint32", "u4"),
    UINT64(8, false, false, "uint64", "u8"),
    FLOAT32(4, true, true, "float32", "f4", "<f4", "float"),
    FLOAT64(8, true, true, "float64", "f8", "<f8", "double");

    private final int byteSize;
    private final boolean signed;
    private final boolean floatingPoint;
    private final String[] spellings;

    DType(int byteSize, boolean signed, boolean floatingPoint, String... spellings) {
        this.byteSize = byteSize;
        this.signed = signed;
        this.floatingPoint = floatingPoint;
        this.spellings = spellings;
    }

    /** Size of one element in bytes. */
    public int byteSize() {
        return byteSize;
    }

    /** Whether the type is a signed integer or a floating-point type. */
    public boolean isSigned() {
        return signed;
    }

    /** Whether the type is {@link #FLOAT32} or {@link #FLOAT64}. */
    public boolean isFloatingPoint() {
        return floatingPoint;
    }

    /** The canonical NumPy name, for example {@code "float64"}. */
    public String numpyName() {
        return spellings[0];
    }

    /**
     * Parses a NumPy spelling, case-insensitively: {@code float64 f8 <f8 double}, {@code float32 f4
     * <f4 float}, {@code int64 i8 <i8 long}, {@code int32 i4 <i4 int}, {@code int16 i2 <i2 short},
     * {@code int8 i1 byte}, {@code uint8 u1}, {@code uint16 u2}, {@code uint32 u4}, {@code uint64 u8}.
     *
     * @throws IllegalArgumentException naming the value when it is none of these
     */
    public static DType of(String name) {
        if (name != null) {
            String wanted = name.trim().toLowerCase(Locale.ROOT);
            for (DType type : values()) {
                for (String spelling : type.spellings) {
                    if (spelling.equals(wanted)) {
                        return type;
                    }
                }
            }
        }
        throw new IllegalArgumentException(
                "Unknown dtype '" + name + "': expected a NumPy spelling such as float64, f8, <f8, "
                        + "float32, int64, int32, int16, int8, uint8, uint16, uint32 or uint64");
    }
}
