package io.cangku.events;

import io.cangku.oci.RepositoryName;

import java.util.regex.Pattern;

/** A configured endpoint with its repository glob compiled: which events it wants. */
record NotificationEndpoint(NotificationProperties.Endpoint config, Pattern repositories) {

    String name() {
        return config.name();
    }

    /** Whether the endpoint wants this action on this repository (collections have none, and match every endpoint). */
    boolean wants(EventAction action, RepositoryName repository) {
        return config.actions().contains(action) && (repository == null || repositories.matcher(repository.value()).matches());
    }
}
