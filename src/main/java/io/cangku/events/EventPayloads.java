package io.cangku.events;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;

/**
 * The bodies sent to endpoints, in either format, and their signature. Distribution's envelope carries one event
 * per request (Distribution batches several; one each keeps retries and ordering per event simple, and receivers
 * written for Distribution loop over {@code events} either way).
 */
final class EventPayloads {

    static final String DISTRIBUTION_MEDIA_TYPE = "application/vnd.docker.distribution.events.v2+json";
    static final String CLOUDEVENTS_MEDIA_TYPE = "application/cloudevents+json";
    static final String SIGNATURE_HEADER = "Cangku-Signature-256";
    static final String EVENT_ID_HEADER = "Cangku-Event-Id";
    static final String CLOUDEVENTS_TYPE_PREFIX = "io.cangku.registry.";

    private final JsonMapper json;
    private final URI externalUrl;
    private final String sourceAddr;
    private final String instanceId;

    /**
     * @param externalUrl the registry's URL for {@code target.url} (none: the URL is left out)
     * @param sourceAddr  this process's host name, for {@code source.addr}
     */
    EventPayloads(JsonMapper json, URI externalUrl, String sourceAddr, String instanceId) {
        this.json = json;
        this.externalUrl = externalUrl;
        this.sourceAddr = sourceAddr;
        this.instanceId = instanceId;
    }

    String mediaType(NotificationProperties.Format format) {
        return switch (format) {
            case distribution -> DISTRIBUTION_MEDIA_TYPE;
            case cloudevents -> CLOUDEVENTS_MEDIA_TYPE;
        };
    }

    byte[] body(NotificationProperties.Format format, RegistryEvent event) {
        return switch (format) {
            case distribution -> json.writeValueAsBytes(distribution(event));
            case cloudevents -> json.writeValueAsBytes(cloudEvent(event));
        };
    }

    /** {@code sha256=<hex>} of the body under the endpoint's secret. */
    static String signature(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    private ObjectNode distribution(RegistryEvent event) {
        ObjectNode envelope = json.createObjectNode();
        ObjectNode node = envelope.putArray("events").addObject();
        node.put("id", event.id());
        node.put("timestamp", event.timestamp().toString());
        node.put("action", event.action().name());
        if (event.target() != null) {
            node.set("target", target(event.target()));
        }
        if (event.request() != null) {
            ObjectNode request = node.putObject("request");
            request.put("id", event.request().id());
            request.put("addr", event.request().addr());
            request.put("host", event.request().host());
            request.put("method", event.request().method());
            request.put("useragent", event.request().userAgent());
        }
        ObjectNode actor = node.putObject("actor");
        if (event.actor() != null) {
            actor.put("name", event.actor());
        }
        ObjectNode source = node.putObject("source");
        source.put("addr", sourceAddr);
        source.put("instanceID", instanceId);
        if (event.collection() != null) {
            node.set("collection", json.valueToTree(event.collection()));
        }
        return envelope;
    }

    /** Distribution's target: {@code length} repeats {@code size}, as Distribution writes both. */
    private ObjectNode target(RegistryEvent.Target target) {
        ObjectNode node = json.createObjectNode();
        if (target.mediaType() != null) {
            node.put("mediaType", target.mediaType());
        }
        if (target.digest() != null) {
            node.put("digest", target.digest());
        }
        if (target.sizeBytes() != null) {
            node.put("size", target.sizeBytes());
            node.put("length", target.sizeBytes());
        }
        node.put("repository", target.repository());
        String reference = target.digest() != null ? target.digest() : target.tag();
        if (externalUrl != null && reference != null) {
            node.put("url", externalUrl.toString().replaceAll("/+$", "") + "/v2/" + target.repository() + "/manifests/" + reference);
        }
        if (target.tag() != null) {
            node.put("tag", target.tag());
        }
        return node;
    }

    /**
     * CloudEvents 1.0, structured mode: the context attributes beside {@code data}, which holds what Distribution's
     * event holds but its envelope. {@code subject} names the repository and reference, so a broker can route on it.
     */
    private ObjectNode cloudEvent(RegistryEvent event) {
        ObjectNode node = json.createObjectNode();
        node.put("specversion", "1.0");
        node.put("id", event.id());
        node.put("source", externalUrl != null ? externalUrl.toString() : "urn:cangku:" + instanceId);
        node.put("type", CLOUDEVENTS_TYPE_PREFIX + event.action().name());
        node.put("time", event.timestamp().toString());
        node.put("datacontenttype", "application/json");
        if (event.target() != null) {
            RegistryEvent.Target target = event.target();
            node.put("subject", target.repository() + (target.tag() != null ? ":" + target.tag() : "")
                    + (target.digest() != null ? "@" + target.digest() : ""));
        }
        ObjectNode data = (ObjectNode) distribution(event).get("events").get(0);
        data.remove("id");
        data.remove("timestamp");
        node.set("data", data);
        return node;
    }
}
