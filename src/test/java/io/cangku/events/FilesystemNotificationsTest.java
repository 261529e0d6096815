package io.cangku.events;

import io.cangku.testing.Backends;

import java.util.List;

/** Webhooks on filesystem storage. */
class FilesystemNotificationsTest extends NotificationsContract {

    @Override
    List<String> freshStorage() {
        return Backends.filesystemArguments(Backends.newTempDir("cangku-events-"));
    }
}
