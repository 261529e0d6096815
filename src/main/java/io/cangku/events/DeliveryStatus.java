package io.cangku.events;

import java.time.Instant;

/**
 * How deliveries to one endpoint are going, as the delivering replica last wrote it ({@code _events/status/<name>}),
 * so the admin API of every replica shows the same.
 *
 * @param pending             events waiting for the endpoint when this was written
 * @param consecutiveFailures failed attempts since the last success (the backoff grows with it)
 * @param delivered           events delivered since the queue was created
 * @param failures            failed attempts in all
 * @param dropped             events given up: queue full, too large, or undelivered past {@code retry-for}
 * @param lastFailureReason   the status code or connection error of the last failure (never a secret)
 * @param nextAttempt         when the head of the queue is tried again after a failure; null when not waiting
 */
public record DeliveryStatus(String endpoint, long pending, long consecutiveFailures, long delivered, long failures,
                             long dropped, Instant lastSuccess, Instant lastFailure, String lastFailureReason,
                             Instant nextAttempt, Instant updatedAt) {

    static DeliveryStatus empty(String endpoint) {
        return new DeliveryStatus(endpoint, 0, 0, 0, 0, 0, null, null, null, null, null);
    }
}
