package io.cangku.events;

import io.cangku.auth.ExternalUrlProperties;
import io.cangku.storage.ObjectStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/** The parts recorder and delivery share: this process's identity, the queue in storage, the payload formats. */
@Configuration(proxyBeanMethods = false)
class NotificationsConfiguration {

    /** This process among the replicas: in inbox names, in {@code source.instanceID}, and as the lease's owner. */
    @Bean
    EventSource eventSource() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "localhost";
        }
        byte[] id = new byte[8];
        ThreadLocalRandom.current().nextBytes(id);
        return new EventSource(host, HexFormat.of().formatHex(id));
    }

    @Bean
    EventQueue eventQueue(ObjectStore store, JsonMapper json, Clock clock, EventSource source) {
        return new EventQueue(store, json, clock, source.instanceId());
    }

    @Bean
    EventPayloads eventPayloads(JsonMapper json, ExternalUrlProperties externalUrl, EventSource source) {
        return new EventPayloads(json, externalUrl.externalUrl(), source.host(), source.instanceId());
    }

    @Bean
    DeliveryLease deliveryLease(ObjectStore store, JsonMapper json, Clock clock, NotificationProperties properties,
                                EventSource source) {
        if (!properties.endpoints().isEmpty() && !store.supportsConditionalWrites()) {
            // without the lease no replica would ever deliver, while every push kept adding to the inbox
            throw new IllegalStateException("registry.notifications.endpoints need conditional writes for the delivery "
                    + "lease, but the store has none (registry.storage.s3.conditional-writes=false): use a store that "
                    + "has them, or no notification endpoints");
        }
        return new DeliveryLease(store, json, clock, properties.leaseTtl(), source.host() + "/" + source.instanceId());
    }

    @Bean
    NotificationMetrics notificationMetrics(ObjectProvider<MeterRegistry> registry) {
        return new NotificationMetrics(registry.getIfAvailable(SimpleMeterRegistry::new));
    }

    /** @param instanceId random per process start */
    record EventSource(String host, String instanceId) {
    }
}
