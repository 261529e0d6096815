package io.cangku.api;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * A test class with a {@link V2Client} connected, before each test, to the registry its Spring test context
 * runs on a random port; after each test, every reply that client received must have been well formed (no
 * 5xx, and every error body the spec's envelope: {@link V2Client#assertEveryReplyWellFormed()}).
 */
abstract class WithV2Client {

    @LocalServerPort
    int port;

    V2Client registry;

    @BeforeEach
    void connect() {
        registry = V2Client.onPort(port);
    }

    @AfterEach
    void everyReplyWasWellFormed() {
        registry.assertEveryReplyWellFormed();
    }
}
