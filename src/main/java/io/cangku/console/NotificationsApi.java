package io.cangku.console;

import io.cangku.events.Notifications;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import java.io.IOException;
import java.util.List;

/**
 * {@code GET /api/notifications}, administrators only: each configured webhook endpoint (without its secret) and
 * how delivery to it goes: last success, last failure and why, events waiting, failures and drops.
 */
@RestController
// the gc command has no web server, and no delivery whose status this would show
@ConditionalOnWebApplication
@RequestMapping("/api")
class NotificationsApi {

    private final Notifications notifications;

    NotificationsApi(Notifications notifications) {
        this.notifications = notifications;
    }

    @GetMapping("/notifications")
    List<Notifications.EndpointReport> endpoints() throws IOException {
        return notifications.endpoints();
    }
}
