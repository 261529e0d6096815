package io.cangku.quota;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code registry.quotas[i]}: storage quotas declared in configuration ({@code repositories} glob, {@code limit}
 * such as {@code 10GB}, and an optional {@code name}, {@code quota-<i>} when left out). A quota that is not valid
 * stops the registry at start, with one line naming its key.
 */
@ConfigurationProperties("registry")
public record QuotaProperties(@DefaultValue List<Entry> quotas) {

    public record Entry(String name, String repositories, DataSize limit) {
    }

    public QuotaProperties {
        quotas = quotas == null ? List.of() : List.copyOf(quotas);
        Set<String> names = new HashSet<>();
        for (int i = 0; i < quotas.size(); i++) {
            Entry entry = quotas.get(i);
            String problem = Quota.problem("registry.quotas[" + i + "].", nameOf(entry, i), entry.repositories(),
                    entry.limit() == null ? null : entry.limit().toBytes());
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
            if (!names.add(nameOf(entry, i))) {
                throw new IllegalArgumentException("registry.quotas[" + i + "].name " + nameOf(entry, i)
                        + " is used by another quota; names must be unique");
            }
        }
    }

    List<Quota> declared() {
        return java.util.stream.IntStream.range(0, quotas.size()).mapToObj(i -> {
            Entry entry = quotas.get(i);
            return new Quota(nameOf(entry, i), entry.repositories(), entry.limit().toBytes(), true);
        }).toList();
    }

    private static String nameOf(Entry entry, int index) {
        return entry.name() == null || entry.name().isBlank() ? "quota-" + index : entry.name();
    }
}
