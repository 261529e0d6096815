package io.cangku.policy;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code registry.retention.*}: retention policies declared in configuration, when they run, and how pull times
 * are kept. A policy that is not valid stops the registry at start, with one line naming its key.
 *
 * @param policies          policies (more can be added through the admin API)
 * @param schedule          cron expression (Spring's six fields) for retention runs inside the server; {@code -}: none
 * @param collectAfterRun   start a garbage collection after a real run that deleted something, which frees the space
 * @param pullTimeFlush     how often each replica writes the pull times it collected in memory to storage
 * @param maxPendingPulls   most distinct manifests whose pull time one replica holds between flushes; pulls of
 *                          further manifests before the next flush are not recorded
 * @param keepRuns          how many retention run reports are kept for {@code GET /api/retention/runs}
 */
@Validated
@ConfigurationProperties("registry.retention")
public record RetentionProperties(@DefaultValue List<Policy> policies,
                                  @DefaultValue("-") String schedule,
                                  @DefaultValue("true") boolean collectAfterRun,
                                  @DefaultValue("5m") Duration pullTimeFlush,
                                  @DefaultValue("100000") int maxPendingPulls,
                                  @DefaultValue("20") int keepRuns) {

    /** One policy as configuration writes it ({@code keep-last: 10}, {@code keep-pushed-within: 30d}). */
    public record Policy(String name, String repositories, Integer keepLast, String keepTagsMatching,
                         Duration keepPushedWithin, Duration keepPulledWithin, Duration untaggedOlderThan) {
    }

    public RetentionProperties {
        policies = policies == null ? List.of() : List.copyOf(policies);
        Set<String> names = new HashSet<>();
        for (int i = 0; i < policies.size(); i++) {
            String problem = toPolicy(i, policies.get(i)).problem("registry.retention.policies[" + i + "].");
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
            if (!names.add(policies.get(i).name())) {
                throw new IllegalArgumentException("registry.retention.policies[" + i + "].name " + policies.get(i).name()
                        + " is used by another policy; names must be unique");
            }
        }
        if (pullTimeFlush.compareTo(Duration.ofSeconds(1)) < 0 || pullTimeFlush.compareTo(Duration.ofDays(1)) > 0) {
            throw new IllegalArgumentException("registry.retention.pull-time-flush must be between 1s and 1d, got " + pullTimeFlush);
        }
        if (maxPendingPulls < 1 || maxPendingPulls > 10_000_000) {
            throw new IllegalArgumentException("registry.retention.max-pending-pulls must be between 1 and 10000000, got " + maxPendingPulls);
        }
        if (keepRuns < 1 || keepRuns > 1000) {
            throw new IllegalArgumentException("registry.retention.keep-runs must be between 1 and 1000, got " + keepRuns);
        }
    }

    /** The declared policies, validated by the constructor. */
    List<RetentionPolicy> declared() {
        List<RetentionPolicy> result = new ArrayList<>();
        for (int i = 0; i < policies.size(); i++) {
            result.add(toPolicy(i, policies.get(i)));
        }
        return result;
    }

    private static RetentionPolicy toPolicy(int index, Policy p) {
        return new RetentionPolicy(p.name(), p.repositories(), p.keepLast(), p.keepTagsMatching(), p.keepPushedWithin(),
                p.keepPulledWithin(), p.untaggedOlderThan(), true);
    }
}
