package io.deisa.bench.report;

import java.util.Locale;

/** Number formatting of the results tables. */
public final class Format {
    private Format() {}

    /** {@code value} with {@code digits} decimals (a dot as separator, whatever the locale). */
    public static String number(double value, int digits) {
        return String.format(Locale.ROOT, "%." + digits + "f", value);
    }

    /** {@code value} as a percentage with no decimals, e.g. {@code 0.634 -> "63 %"}. */
    public static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.0f %%", fraction * 100);
    }

    /** A byte count with a binary unit: "512 B", "3.2 KiB", "8.0 MiB", "1.5 GiB". */
    public static String bytes(double bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int unit = 0;
        double value = bytes;
        while (Math.abs(value) >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? Math.round(value) + " B" : number(value, 1) + " " + units[unit];
    }
}
