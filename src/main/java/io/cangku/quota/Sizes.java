package io.cangku.quota;

import java.util.Locale;

/** Sizes as error messages and the API show them: binary units as {@code DataSize} reads them, and the exact bytes. */
final class Sizes {

    private static final String[] UNITS = {"KB", "MB", "GB", "TB", "PB"};

    private Sizes() {
    }

    /** {@code 1.5 MB (1572864 bytes)}; units are powers of 1024, as {@code registry.quotas[i].limit} reads them. */
    static String describe(long bytes) {
        if (bytes < 1024) {
            return bytes + " bytes";
        }
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s (%d bytes)", value, UNITS[unit], bytes);
    }
}
