package io.cangku.auth;

import io.cangku.oci.OciError;
import io.cangku.oci.RegistryException;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A {@code /v2} request the caller's token does not cover, with the {@code Bearer} challenge that tells the
 * client where to get one (distribution {@code registry/auth/token/accesscontroller.go}; RFC 6750, section 3).
 * The code says how the client should read it: UNAUTHORIZED (get a token, or a fresh one) or DENIED (this
 * account may not, which a client that sent no request body can only learn from {@code error_description}).
 */
public final class ChallengeException extends RegistryException {

    private final String realm;
    private final String service;
    private final List<Scope> scopes;
    private final String bearerError;

    ChallengeException(OciError error, String message, Object detail, String realm, String service, List<Scope> scopes,
                       String bearerError) {
        super(error, message, detail);
        this.realm = realm;
        this.service = service;
        this.scopes = List.copyOf(scopes);
        this.bearerError = bearerError;
    }

    /**
     * The {@code WWW-Authenticate} value: realm, service, the scope the request needed and, when there is one,
     * the RFC 6750 {@code error} with this exception's message as {@code error_description}, which
     * containers/image (skopeo, podman, buildah) and docker print for a 401 that has no body (a {@code HEAD}).
     */
    public String wwwAuthenticate() {
        StringBuilder header = new StringBuilder("Bearer realm=\"").append(quoted(realm)).append('"')
                .append(",service=\"").append(quoted(service)).append('"');
        if (!scopes.isEmpty()) {
            header.append(",scope=\"").append(scopes.stream().map(Scope::toString).collect(Collectors.joining(" "))).append('"');
        }
        if (bearerError != null) {
            header.append(",error=\"").append(bearerError).append('"')
                    .append(",error_description=\"").append(quoted(getMessage())).append('"');
        }
        return header.toString();
    }

    /** RFC 9110 quoted-string content: no quote or backslash unescaped, nothing outside printable ASCII. */
    private static String quoted(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c >= 0x20 && c < 0x7f) {
                out.append(c);
            } else {
                out.append('?');
            }
        }
        return out.toString();
    }
}
