package io.cangku.auth;

import io.cangku.oci.OciError;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Service;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The access check of {@code /v2} (distribution's {@code AccessController.Authorized}): given the scopes a
 * request needs, lets it through, or answers 401 with a {@code WWW-Authenticate: Bearer} challenge naming
 * the realm, service and scope (the client then fetches a token), or 403 DENIED when a signed-in caller
 * simply has no right. With {@code registry.auth.mode=none} everything passes.
 */
@Service
public class RegistryAccess {

    private final AuthProperties properties;
    private final ExternalUrlProperties externalUrl;
    private final AccessPolicy policy;
    private final AccountDirectory directory;

    public RegistryAccess(AuthProperties properties, ExternalUrlProperties externalUrl, AccessPolicy policy,
                          AccountDirectory directory) {
        this.properties = properties;
        this.externalUrl = externalUrl;
        this.policy = policy;
        this.directory = directory;
    }

    /**
     * Passes when the caller may do all of {@code required}; an empty list asks only for a valid token
     * ({@code GET /v2/}, which clients use to learn how to authenticate).
     *
     * @throws ChallengeException UNAUTHORIZED (401, with challenge) or DENIED (403, or on a HEAD 401 naming the reason)
     */
    public void require(HttpServletRequest request, List<Scope> required) throws IOException {
        if (!properties.enabled()) {
            return;
        }
        Optional<TokenService.VerifiedToken> token = currentToken();
        if (token.isEmpty()) {
            boolean invalid = request.getAttribute(RegistryTokenFilter.INVALID_TOKEN) != null;
            throw challenge(request, required, invalid ? "invalid_token" : null,
                    invalid ? "the token is invalid or expired; fetch a new one" : "authentication required");
        }
        List<Scope> missing = new ArrayList<>();
        for (Scope scope : required) {
            if (!token.get().grants(scope)) {
                missing.add(scope);
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        Subject subject = subjectOf(token.get());
        if (subject == null) {
            throw challenge(request, required, "invalid_token", "the token's account no longer exists");
        }
        if (subject.isAnonymous()) {
            throw challenge(request, required, "insufficient_scope", "authentication required to " + describe(missing));
        }
        for (Scope scope : missing) {
            if (!policy.allowedActions(subject, scope).containsAll(scope.actions())) {
                // a challenge too: a refusal of a HEAD has no body, so the reason must travel in the header
                throw new ChallengeException(OciError.DENIED, subject.name() + " may not " + describe(List.of(scope)),
                        Map.of("name", scope.name(), "actions", scope.actions().stream().sorted().toList()),
                        realm(request), properties.service(), required, "insufficient_scope");
            }
        }
        // the account has the right, the token is just too narrow: the client fetches one for this scope
        throw challenge(request, required, "insufficient_scope", "the token does not grant " + describe(missing));
    }

    /** Whether the caller's token grants {@code scope} (no challenge; used to decide a cross-repository mount). */
    public boolean isGranted(Scope scope) {
        return !properties.enabled() || currentToken().map(t -> t.grants(scope)).orElse(false);
    }

    /** A filter of repository names the caller may pull, for the catalog. */
    public Predicate<String> pullableRepositories() throws IOException {
        if (!properties.enabled()) {
            return name -> true;
        }
        Subject subject = currentToken().map(this::subjectOf).orElse(Subject.ANONYMOUS);
        if (subject == null) {
            return name -> false;
        }
        List<AccessRule> rules = policy.rules();
        return name -> policy.mayPull(subject, name, rules);
    }

    /** Who is calling, for the audit log: the token's subject, or null for anonymous. */
    public String actor() {
        return currentToken().map(TokenService.VerifiedToken::subject).orElse(null);
    }

    private Subject subjectOf(TokenService.VerifiedToken token) {
        if (token.subject() == null) {
            return Subject.ANONYMOUS;
        }
        try {
            return directory.findAccount(token.subject()).map(Subject::of).orElse(null);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Optional<TokenService.VerifiedToken> currentToken() {
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        return authentication instanceof RegistryTokenAuthentication t ? Optional.of(t.token()) : Optional.empty();
    }

    private ChallengeException challenge(HttpServletRequest request, List<Scope> required, String error, String message) {
        return new ChallengeException(OciError.UNAUTHORIZED, message, null, realm(request), properties.service(), required, error);
    }

    /** The token endpoint's absolute URL: from registry.external-url, else from the request. */
    public String realm(HttpServletRequest request) {
        URI base = externalUrl.externalUrl();
        if (base != null) {
            String text = base.toString();
            return (text.endsWith("/") ? text.substring(0, text.length() - 1) : text) + "/token";
        }
        String scheme = request.getScheme();
        int port = request.getServerPort();
        boolean defaultPort = ("http".equals(scheme) && port == 80) || ("https".equals(scheme) && port == 443);
        String host = request.getServerName();
        if (host.contains(":")) {
            host = "[" + host + "]"; // IPv6 literal
        }
        return scheme + "://" + host + (defaultPort ? "" : ":" + port) + request.getContextPath() + "/token";
    }

    private static String describe(List<Scope> scopes) {
        return scopes.stream().map(s -> String.join(",", s.actions().stream().sorted().toList()) + " " + s.name())
                .collect(Collectors.joining("; "));
    }

}
