package io.cangku.api;

import io.cangku.auth.AuditLog;
import io.cangku.auth.RegistryAccess;
import io.cangku.oci.Digest;
import io.cangku.oci.OciError;
import io.cangku.oci.Reference;
import io.cangku.oci.RegistryException;
import io.cangku.oci.Tag;
import io.cangku.registry.Manifest;
import io.cangku.registry.ManifestPullListener;
import io.cangku.registry.ManifestService;
import io.cangku.registry.RegistryEvents;
import io.cangku.registry.RegistryProperties;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code GET}, {@code HEAD}, {@code PUT} and {@code DELETE /v2/<name>/manifests/<reference>}. */
@Component
class ManifestEndpoint {

    private final ManifestService manifests;
    private final RegistryProperties properties;
    private final RegistryAccess access;
    private final AuditLog audit;
    private final List<ManifestPullListener> pullListeners;
    private final ObjectProvider<RegistryEvents> events;

    ManifestEndpoint(ManifestService manifests, RegistryProperties properties, RegistryAccess access, AuditLog audit,
                     List<ManifestPullListener> pullListeners, ObjectProvider<RegistryEvents> events) {
        this.events = events;
        this.manifests = manifests;
        this.properties = properties;
        this.access = access;
        this.audit = audit;
        this.pullListeners = List.copyOf(pullListeners);
    }

    void get(V2Route.Manifest route, HttpServletRequest request, HttpServletResponse response) throws IOException {
        Reference reference = existingReference(route);
        Manifest manifest = manifests.get(route.name(), reference)
                .orElseThrow(() -> unknown(route));
        // a HEAD or a 304 counts too: kubelet and containerd check a tag that way before they skip the GET
        pullListeners.forEach(listener -> listener.pulled(route.name(), manifest.digest()));
        String etag = "\"" + manifest.digest() + "\"";
        response.setHeader("Docker-Content-Digest", manifest.digest().toString());
        response.setHeader("ETag", etag);
        if (etag.equals(request.getHeader("If-None-Match"))) {
            response.setStatus(304);
            return;
        }
        response.setStatus(200);
        response.setContentType(manifest.mediaType());
        response.setContentLength(manifest.bytes().length);
        if (!"HEAD".equals(request.getMethod())) {
            response.getOutputStream().write(manifest.bytes());
            // a pull event, as distribution sends one: a GET that returned the manifest (HEADs only check)
            events.getIfAvailable(() -> RegistryEvents.NONE).manifestPulled(route.name(), manifest.digest(),
                    manifest.mediaType(), manifest.bytes().length,
                    reference instanceof Tag tag ? Optional.of(tag) : Optional.empty());
        }
    }

    void put(V2Route.Manifest route, HttpServletRequest request, HttpServletResponse response) throws IOException {
        Reference reference = Reference.parse(route.reference());
        byte[] body = RequestBodies.readBounded(request, manifests.maxManifestBytes(), manifests.manifestTooLarge());
        ManifestService.PutResult result = manifests.put(route.name(), reference, request.getContentType(), body);
        response.setStatus(201);
        response.setHeader("Location", "/v2/" + route.name() + "/manifests/" + result.digest());
        response.setHeader("Docker-Content-Digest", result.digest().toString());
        // distribution-spec v1.1, pushing manifests with subject: tell the client the referrers API tracks it
        result.subject().ifPresent(subject -> response.setHeader("OCI-Subject", subject.toString()));
        response.setContentLength(0);
        audit.record(access.actor(), "push", route.name() + ":" + route.reference() + "@" + result.digest(),
                request.getRemoteAddr(), "ok");
    }

    void delete(V2Route.Manifest route, HttpServletRequest request, HttpServletResponse response) throws IOException {
        BlobEndpoint.requireDeletesEnabled(properties);
        Reference reference = existingReference(route);
        if (!manifests.delete(route.name(), reference)) {
            throw unknown(route);
        }
        response.setStatus(202);
        response.setContentLength(0);
        audit.record(access.actor(), "delete", route.name() + ":" + route.reference(), request.getRemoteAddr(), "ok");
    }

    /**
     * The reference of a GET, HEAD or DELETE. A string that cannot be a tag names no manifest, so it is
     * answered 404, as distribution's router does (the conformance suite asks for it); a malformed digest
     * stays 400 DIGEST_INVALID.
     */
    private static Reference existingReference(V2Route.Manifest route) {
        if (route.reference().indexOf(':') < 0 && !Tag.isValid(route.reference())) {
            throw unknown(route);
        }
        return Reference.parse(route.reference());
    }

    private static RegistryException unknown(V2Route.Manifest route) {
        return new RegistryException(OciError.MANIFEST_UNKNOWN,
                "manifest " + route.reference() + " is not in repository " + route.name(),
                Map.of("name", route.name().value(), "reference", route.reference()));
    }
}
