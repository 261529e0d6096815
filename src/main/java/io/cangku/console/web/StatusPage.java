package io.cangku.console.web;

import io.cangku.auth.AuthProperties;
import io.cangku.storage.StorageProperties;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.info.BuildProperties;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;

/** Registry status: version, storage backend, uptime; for every signed-in user. */
@Controller
class StatusPage {

    private final String version;
    private final StorageProperties storage;
    private final AuthProperties auth;

    StatusPage(ObjectProvider<BuildProperties> build, StorageProperties storage, AuthProperties auth) {
        BuildProperties properties = build.getIfAvailable();
        this.version = properties != null ? properties.getVersion() : "development build";
        this.storage = storage;
        this.auth = auth;
    }

    @GetMapping("/status")
    String status(Model model) {
        long startedAt = ManagementFactory.getRuntimeMXBean().getStartTime();
        model.addAttribute("nav", "status");
        model.addAttribute("version", version);
        model.addAttribute("backend", storage.type());
        model.addAttribute("authMode", auth.mode());
        model.addAttribute("startedAt", Instant.ofEpochMilli(startedAt));
        model.addAttribute("uptime", Duration.ofMillis(ManagementFactory.getRuntimeMXBean().getUptime()));
        model.addAttribute("java", Runtime.version().toString());
        return "status";
    }
}
