package io.cangku.console.web;

import org.springframework.stereotype.Component;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** Formatting for the templates, as {@code ${@fmt.bytes(size)}}: one way to show a size or a time everywhere. */
@Component("fmt")
class Format {

    private static final DateTimeFormatter UTC = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};

    public String bytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, value >= 100 ? "%.0f %s" : "%.1f %s", value, UNITS[unit]);
    }

    public String time(Instant at) {
        return at == null ? "—" : UTC.format(at);
    }

    /** {@code 2024-01-01T00:00:00Z} as written in image configs, shown like every other time. */
    public String time(String isoInstant) {
        if (isoInstant == null || isoInstant.isEmpty()) {
            return "—";
        }
        try {
            return time(Instant.parse(isoInstant));
        } catch (RuntimeException e) {
            return isoInstant;
        }
    }

    /** "3 minutes ago": what a person scanning a list wants; the exact time goes in the title. */
    public String ago(Instant at) {
        if (at == null) {
            return "never";
        }
        Duration d = Duration.between(at, Instant.now());
        if (d.isNegative() || d.toSeconds() < 60) {
            return "just now";
        }
        if (d.toMinutes() < 60) {
            return plural(d.toMinutes(), "minute");
        }
        if (d.toHours() < 48) {
            return plural(d.toHours(), "hour");
        }
        return plural(d.toDays(), "day");
    }

    public String duration(Duration d) {
        if (d == null) {
            return "—";
        }
        long s = d.toSeconds();
        if (s < 60) {
            return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
        }
        if (s < 3600) {
            return (s / 60) + " min " + (s % 60) + " s";
        }
        if (s < 172800) {
            return (s / 3600) + " h " + (s % 3600 / 60) + " min";
        }
        return (s / 86400) + " days " + (s % 86400 / 3600) + " h";
    }

    /** How long something took from {@code start} to {@code end}; a dash while it has not ended. */
    public String took(Instant start, Instant end) {
        return start == null || end == null ? "—" : duration(Duration.between(start, end));
    }

    /** A figure from a run's progress record (JSON numbers arrive as Integer or Long); 0 when absent. */
    public long figure(java.util.Map<String, Object> figures, String name) {
        return figures != null && figures.get(name) instanceof Number n ? n.longValue() : 0;
    }

    /** {@code 1 blob}, {@code 3 blobs}. */
    public String count(long n, String unit) {
        return String.format(Locale.ROOT, "%,d %s%s", n, unit, n == 1 ? "" : "s");
    }

    /** The short form of a digest shown in tables ({@code sha256:0123456789ab}); the full one is copyable. */
    public String shortDigest(String digest) {
        if (digest == null) {
            return "";
        }
        int colon = digest.indexOf(':');
        return colon < 0 || digest.length() < colon + 13 ? digest : digest.substring(0, colon + 13);
    }

    /** A rule's actions in a fixed order: pull, push, delete. */
    public String actions(java.util.Collection<String> actions) {
        return String.join(", ", java.util.stream.Stream.of("pull", "push", "delete").filter(actions::contains).toList());
    }

    private static String plural(long n, String unit) {
        return n + " " + unit + (n == 1 ? "" : "s") + " ago";
    }
}
