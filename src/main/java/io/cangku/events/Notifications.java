package io.cangku.events;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.stereotype.Service;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The configured endpoints with their delivery status, for the admin API and the console (never the secret). */
@Service
@ConditionalOnWebApplication
public class Notifications {

    private final NotificationDelivery delivery;

    Notifications(NotificationDelivery delivery) {
        this.delivery = delivery;
    }

    /**
     * One endpoint as administrators see it.
     *
     * @param url    {@link NotificationProperties.Endpoint#shownUrl()}: scheme, host and port, the rest elided
     * @param signed whether a secret is configured (the secret itself is never shown)
     */
    public record EndpointReport(String name, String url, String repositories, Set<EventAction> actions,
                                 NotificationProperties.Format format, boolean signed, DeliveryStatus status) {
    }

    public List<EndpointReport> endpoints() throws IOException {
        Map<String, DeliveryStatus> statuses = new java.util.HashMap<>();
        for (DeliveryStatus status : delivery.statuses()) {
            statuses.put(status.endpoint(), status);
        }
        List<EndpointReport> result = new ArrayList<>();
        for (NotificationEndpoint endpoint : delivery.endpoints()) {
            NotificationProperties.Endpoint config = endpoint.config();
            result.add(new EndpointReport(config.name(), config.shownUrl(), config.repositories(), config.actions(), config.format(),
                    config.secret() != null, statuses.get(config.name())));
        }
        return result;
    }
}
