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
}
