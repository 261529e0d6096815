package io.cangku.events;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Notification meters of this replica: {@code cangku_notifications_recorded_total} (events queued, by action),
 * {@code cangku_notifications_delivered_total} and {@code cangku_notifications_failures_total} (attempts, by
 * endpoint), {@code cangku_notifications_dropped_total} (events given up, by endpoint and reason:
 * {@code queue-full}, {@code too-large}, {@code expired}, {@code unreadable}, {@code not-recorded} when storage
 * refused the inbox write, {@code pulls-overflow}), and the gauge {@code cangku_notifications_pending} (events
 * waiting per endpoint, on the delivering replica).
 */
final class NotificationMetrics {

    private final MeterRegistry registry;

    NotificationMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void recorded(EventAction action) {
        Counter.builder("cangku.notifications.recorded").tag("action", action.name()).register(registry).increment();
    }

    void delivered(String endpoint) {
        Counter.builder("cangku.notifications.delivered").tag("endpoint", endpoint).register(registry).increment();
    }

    void failed(String endpoint) {
        Counter.builder("cangku.notifications.failures").tag("endpoint", endpoint).register(registry).increment();
    }

    void dropped(String endpoint, String reason, long count) {
        Counter.builder("cangku.notifications.dropped").tag("endpoint", endpoint).tag("reason", reason)
                .register(registry).increment(count);
    }

    void pending(String endpoint, java.util.function.Supplier<Number> pending) {
        io.micrometer.core.instrument.Gauge.builder("cangku.notifications.pending", pending)
                .tag("endpoint", endpoint).register(registry);
    }
}
