// Cangku console: copy buttons and confirmations. No inline scripts anywhere (the Content-Security-Policy
// allows scripts from this origin only), so behaviour is attached here by data attributes.
(function () {
    "use strict";

    var live = document.createElement("div");
    live.setAttribute("role", "status");
    live.setAttribute("aria-live", "polite");
    live.className = "visually-hidden";

    function announce(text) {
        live.textContent = "";
        window.setTimeout(function () { live.textContent = text; }, 50);
    }

    function copyText(text) {
        if (navigator.clipboard && window.isSecureContext) {
            return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
        }
        return Promise.resolve(fallbackCopy(text));
    }

    // Plain HTTP on a host other than localhost is not a secure context: no clipboard API there.
    function fallbackCopy(text) {
        var area = document.createElement("textarea");
        area.value = text;
        area.setAttribute("readonly", "");
        area.style.position = "fixed";
        area.style.opacity = "0";
        document.body.appendChild(area);
        area.select();
        try { document.execCommand("copy"); } catch (e) { /* the text stays selectable in the field */ }
        document.body.removeChild(area);
    }

    document.addEventListener("click", function (event) {
        var button = event.target.closest("[data-copy]");
        if (!button) {
            return;
        }
        copyText(button.getAttribute("data-copy")).then(function () {
            button.classList.add("copied");
            announce("Copied to the clipboard");
            window.setTimeout(function () { button.classList.remove("copied"); }, 1500);
        });
    });

    document.addEventListener("submit", function (event) {
        var form = event.target;
        var question = form.getAttribute && form.getAttribute("data-confirm");
        if (question && !window.confirm(question)) {
            event.preventDefault();
        }
    });

    document.addEventListener("DOMContentLoaded", function () {
        document.body.appendChild(live);
    });
})();
