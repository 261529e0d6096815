package io.cangku.console.web;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;

import java.security.Principal;

/** The sign-in page; Spring Security handles the POST to {@code /login} and {@code /logout}. */
@Controller
class LoginPage {

    /** Browsers ask for /favicon.ico whatever the page links; answer with the SVG icon. */
    @GetMapping("/favicon.ico")
    String favicon() {
        return "redirect:/favicon.svg";
    }

    @GetMapping(ConsoleSecurityConfiguration.LOGIN)
    String login(Principal principal, @RequestParam(required = false) String error,
                 @RequestParam(required = false) String throttled, @RequestParam(required = false) String expired,
                 @RequestParam(required = false) String signedOut, Model model) {
        if (principal != null) {
            return "redirect:/repositories";
        }
        String message = null;
        if (error != null) {
            message = "Incorrect user name or password.";
        } else if (throttled != null) {
            message = "Too many failed sign-ins for this name or address. Wait a minute, then try again.";
        } else if (expired != null) {
            message = "Your session ended. Sign in again.";
        }
        model.addAttribute("message", message);
        model.addAttribute("signedOut", signedOut != null);
        return "login";
    }
}
