package io.cangku.console.web;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

/** Registry status: version, storage backend, uptime; for every signed-in user. */
@Controller
class StatusPage {

    private final RegistryStatus status;

    StatusPage(RegistryStatus status) {
        this.status = status;
    }

    @GetMapping("/status")
    String status(Model model) {
        RegistryStatus.Figures figures = status.now();
        model.addAttribute("nav", "status");
        model.addAttribute("version", figures.version());
        model.addAttribute("backend", figures.backend());
        model.addAttribute("authMode", figures.authMode());
        model.addAttribute("startedAt", figures.startedAt());
        model.addAttribute("uptime", figures.uptime());
        model.addAttribute("java", figures.java());
        return "status";
    }
}
