package io.cangku.auth;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The Docker token endpoint (distribution {@code docs/spec/auth/token.md} and {@code oauth.md}):
 * {@code GET /token} with HTTP basic credentials (or none, for anonymous access) and
 * {@code POST /token} with a password or refresh-token grant, as {@code docker login} sends it. A token
 * grants the intersection of what was asked and what the account may do; asking for too much is never an
 * error, the token simply grants less.
 */
@RestController
class TokenEndpoint {

    private final AuthProperties properties;
    private final Credentials credentials;
    private final AccountDirectory directory;
    private final AccessPolicy policy;
    private final TokenService tokens;
    private final AuditLog audit;

    TokenEndpoint(AuthProperties properties, Credentials credentials, AccountDirectory directory, AccessPolicy policy,
                  TokenService tokens, AuditLog audit) {
        this.properties = properties;
        this.credentials = credentials;
        this.directory = directory;
        this.policy = policy;
        this.tokens = tokens;
        this.audit = audit;
    }

    @GetMapping(path = "/token", produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Map<String, Object>> get(HttpServletRequest request,
                                            @RequestParam(name = "service", required = false) String service,
                                            @RequestParam(name = "offline_token", required = false) String offline) throws IOException {
        if (!properties.enabled()) {
            return error(HttpStatus.NOT_FOUND, "UNSUPPORTED", "authentication is disabled on this registry", null);
        }
        if (service != null && !service.equals(properties.service())) {
            return error(HttpStatus.BAD_REQUEST, "UNSUPPORTED", "unknown service '" + abbreviate(service) + "'", null);
        }
        // not a List<String> @RequestParam: Spring would split "repository:a:pull,push" at the comma
        String[] scopeValues = request.getParameterValues("scope");
        List<String> scopes = Scope.split(scopeValues == null ? List.of() : List.of(scopeValues));
        if (scopes.size() > properties.maxScopesPerRequest()) {
            return tooManyScopes(scopes.size());
        }
        Subject subject = Subject.ANONYMOUS;
        Optional<Account> account = Optional.empty();
        Optional<String[]> basic = basicCredentials(request);
        if (basic.isPresent()) {
            try {
                account = credentials.authenticate(basic.get()[0], basic.get()[1], request.getRemoteAddr());
            } catch (LoginThrottledException e) {
                return throttled(e);
            }
            if (account.isEmpty()) {
                return unauthorized();
            }
            subject = Subject.of(account.get());
        }
        TokenService.IssuedToken token = tokens.issueAccessToken(subject, grant(subject, scopes));
        Map<String, Object> body = new TokenResponseBody();
        body.put("token", token.token());
        body.put("access_token", token.token());
        body.put("expires_in", token.expiresIn().toSeconds());
        body.put("issued_at", DateTimeFormatter.ISO_INSTANT.format(token.issuedAt()));
        if ("true".equalsIgnoreCase(offline) && account.isPresent()) {
            body.put("refresh_token", tokens.issueRefreshToken(account.get()));
        }
        return ResponseEntity.ok().header("Cache-Control", "no-store").body(body);
    }

    @PostMapping(path = "/token", produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Map<String, Object>> post(HttpServletRequest request) throws IOException {
        // the form is read from the request, not bound to an argument: Spring MVC logs handler arguments at
        // TRACE, and this form holds a password or a refresh token
        if (!properties.enabled()) {
            return error(HttpStatus.NOT_FOUND, "UNSUPPORTED", "authentication is disabled on this registry", null);
        }
        // checked here rather than with consumes=: Spring's own 415 would not be in this endpoint's format
        if (!isForm(request.getContentType())) {
            return error(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "invalid_request",
                    "POST /token takes an application/x-www-form-urlencoded form (RFC 6749, section 4.3.2)", null);
        }
        Optional<Form> parsed;
        try {
            parsed = Form.read(request, properties.maxTokenRequestSize().toBytes());
        } catch (IllegalArgumentException e) {
            return error(HttpStatus.BAD_REQUEST, "invalid_request", "the form is not valid application/x-www-form-urlencoded", null);
        }
        if (parsed.isEmpty()) {
            return error(HttpStatus.PAYLOAD_TOO_LARGE, "invalid_request", "a token request may have at most "
                    + properties.maxTokenRequestSize().toKilobytes() + " KB (registry.auth.max-token-request-size)", null);
        }
        Form form = parsed.get();
        List<String> requested = Scope.split(form.values("scope"));
        if (requested.size() > properties.maxScopesPerRequest()) {
            return tooManyScopes(requested.size());
        }
        String service = form.value("service");
        if (service != null && !service.equals(properties.service())) {
            return error(HttpStatus.BAD_REQUEST, "invalid_request", "unknown service '" + abbreviate(service) + "'", null);
        }
        String grantType = form.value("grant_type");
        Account account;
        String refreshToken = null;
        if ("password".equals(grantType)) {
            String username = form.value("username");
            String password = form.value("password");
            if (username == null || password == null) {
                return error(HttpStatus.BAD_REQUEST, "invalid_request", "a password grant needs username and password", null);
            }
            Optional<Account> authenticated;
            try {
                authenticated = credentials.authenticate(username, password, request.getRemoteAddr());
            } catch (LoginThrottledException e) {
                return throttled(e);
            }
            if (authenticated.isEmpty()) {
                return unauthorized();
            }
            account = authenticated.get();
            if ("offline".equals(form.value("access_type"))) {
                refreshToken = tokens.issueRefreshToken(account);
            }
        } else if ("refresh_token".equals(grantType)) {
            refreshToken = form.value("refresh_token");
            Optional<Account> refreshed = refreshToken == null ? Optional.empty() : accountForRefresh(refreshToken);
            if (refreshed.isEmpty()) {
                audit.record(null, "refresh", null, request.getRemoteAddr(), "denied");
                return unauthorized();
            }
            account = refreshed.get();
        } else {
            return error(HttpStatus.BAD_REQUEST, "unsupported_grant_type", "grant_type must be password or refresh_token", null);
        }
        Subject subject = Subject.of(account);
        List<Scope> granted = grant(subject, requested);
        TokenService.IssuedToken token = tokens.issueAccessToken(subject, granted);
        Map<String, Object> body = new TokenResponseBody();
        body.put("access_token", token.token());
        body.put("token", token.token());
        body.put("scope", granted.stream().map(Scope::toString).collect(Collectors.joining(" ")));
        body.put("expires_in", token.expiresIn().toSeconds());
        body.put("issued_at", DateTimeFormatter.ISO_INSTANT.format(token.issuedAt()));
        if (refreshToken != null) {
            body.put("refresh_token", refreshToken);
        }
        return ResponseEntity.ok().header("Cache-Control", "no-store").body(body);
    }

    /**
     * A token response body. Spring MVC logs the bodies it writes (at DEBUG, in part, and at TRACE in full),
     * so its {@code toString} names the fields but never shows a token.
     */
    private static final class TokenResponseBody extends LinkedHashMap<String, Object> {
        private static final Set<String> TOKENS = Set.of("token", "access_token", "refresh_token");

        @Override
        public String toString() {
            return entrySet().stream()
                    .map(e -> e.getKey() + "=" + (TOKENS.contains(e.getKey()) ? "<hidden>" : e.getValue()))
                    .collect(Collectors.joining(", ", "{", "}"));
        }
    }

    /** A refresh token is honoured only while its account exists, is unexpired, and has the password it was issued for. */
    private Optional<Account> accountForRefresh(String refreshToken) throws IOException {
        Optional<TokenService.RefreshClaims> claims = tokens.verifyRefreshToken(refreshToken);
        if (claims.isEmpty()) {
            return Optional.empty();
        }
        Optional<Account> account = directory.findAccount(claims.get().accountName());
        Instant now = Instant.now();
        return account.filter(a -> !a.isExpired(now))
                .filter(a -> TokenService.issuedForCurrentCredentials(claims.get(), a));
    }

    private List<Scope> grant(Subject subject, List<String> requested) throws IOException {
        List<AccessRule> rules = policy.rules();
        List<Scope> granted = new ArrayList<>();
        for (Scope scope : Scope.parseAll(requested)) {
            Set<String> allowed = policy.allowedActions(subject, scope, rules);
            if (!allowed.isEmpty()) {
                granted.add(new Scope(scope.type(), scope.name(), allowed));
            }
        }
        return granted;
    }

    private ResponseEntity<Map<String, Object>> tooManyScopes(int asked) {
        return error(HttpStatus.BAD_REQUEST, "invalid_scope", "a token request may ask for at most " + properties.maxScopesPerRequest()
                + " scopes (registry.auth.max-scopes-per-request), this one asks for " + asked
                + "; ask for fewer, or fetch several tokens", null);
    }

    /**
     * The query and the body of a form POST, read here rather than by the container: Tomcat reads a form of
     * up to 2 MB (its maxPostSize) before it refuses one, and refused the larger ones with a 98-line stack
     * trace in the log. Here at most {@code maxBytes} are read, counted as they arrive (chunked bodies too).
     */
    private record Form(Map<String, List<String>> fields) {

        /** The form; empty when the body is larger than {@code maxBytes}. */
        static Optional<Form> read(HttpServletRequest request, long maxBytes) throws IOException {
            long declared = request.getContentLengthLong();
            if (declared > maxBytes) {
                return Optional.empty();
            }
            byte[] body = request.getInputStream().readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            if (body.length > maxBytes) {
                return Optional.empty();
            }
            Map<String, List<String>> fields = new LinkedHashMap<>();
            parse(request.getQueryString(), fields);
            parse(new String(body, StandardCharsets.US_ASCII), fields);
            return Optional.of(new Form(fields));
        }

        /** application/x-www-form-urlencoded; a malformed %-escape throws IllegalArgumentException. */
        private static void parse(String encoded, Map<String, List<String>> fields) {
            if (encoded == null || encoded.isEmpty()) {
                return;
            }
            for (String pair : encoded.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int equals = pair.indexOf('=');
                String name = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
                String value = equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
                fields.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
            }
        }

        String value(String name) {
            List<String> values = fields.get(name);
            return values == null ? null : values.getFirst();
        }

        List<String> values(String name) {
            return fields.getOrDefault(name, List.of());
        }

        @Override
        public String toString() { // holds a password or refresh token
            return "Form" + fields.keySet();
        }
    }

    private static Optional<String[]> basicCredentials(HttpServletRequest request) {
        String header = request.getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return Optional.empty();
        }
        try {
            String decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            return colon < 0 ? Optional.empty() : Optional.of(new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)});
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private ResponseEntity<Map<String, Object>> unauthorized() {
        return error(HttpStatus.UNAUTHORIZED, "UNAUTHORIZED", "incorrect username or password",
                Map.of("WWW-Authenticate", "Basic realm=\"" + properties.service() + "\""));
    }

    private static ResponseEntity<Map<String, Object>> throttled(LoginThrottledException e) {
        return error(HttpStatus.TOO_MANY_REQUESTS, "TOOMANYREQUESTS", e.getMessage(),
                Map.of("Retry-After", Long.toString(Math.max(1, e.retryAfter().toSeconds()))));
    }

    private static ResponseEntity<Map<String, Object>> error(HttpStatus status, String code, String message,
                                                              Map<String, String> headers) {
        return TokenErrors.response(status, code, message, headers == null ? Map.of() : headers);
    }

    private static boolean isForm(String contentType) {
        if (contentType == null) {
            return false;
        }
        try {
            return MediaType.APPLICATION_FORM_URLENCODED.isCompatibleWith(MediaType.parseMediaType(contentType));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String abbreviate(String text) {
        return text.length() > 60 ? text.substring(0, 60) + "…" : text;
    }
}
