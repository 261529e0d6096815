package io.cangku.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import org.springframework.stereotype.Service;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Issues and verifies the registry's JWTs (distribution {@code docs/spec/auth/jwt.md}): access tokens carry
 * {@code iss}, {@code sub}, {@code aud}, {@code exp}, {@code nbf}, {@code iat}, {@code jti} and
 * {@code access: [{"type","name","actions"}]}; refresh tokens carry {@code token_use: refresh} and no access,
 * and each kind is refused where the other is expected. Verification accepts only ES256/RS256 signatures by
 * a known key ({@code alg: none} and foreign keys fail), checks issuer, audience and time, with a small
 * clock skew. A token may not live longer than this registry issues them ({@code exp - iat} at most
 * {@code token-ttl}, or {@code refresh-token-ttl} for refresh tokens, plus the skew) nor be issued in the
 * future: a signing key read from storage or a backup once minted an administrator token valid for 100
 * years, and it was accepted.
 */
@Service
public class TokenService {

    static final String TOKEN_USE = "token_use";
    static final String REFRESH = "refresh";
    static final String CREDENTIALS = "cred";
    private static final Duration CLOCK_SKEW = Duration.ofSeconds(30);
    private static final Duration MAX_CACHED = Duration.ofMinutes(1);

    private final TokenKeys keys;
    private final AuthProperties properties;
    /**
     * Verified access tokens, so that a client's every request does not parse the JWT and check its signature
     * again: a token's meaning never changes before it expires. Keyed by the SHA-256 of the token's text, so no
     * bearer token stays in memory (a heap dump holds no usable token); bounded in number; an entry lives at
     * most a minute and never past the token's own expiry (which a hit checks again). Revocation is as without
     * the cache: a token grants what it says until it expires, and whether its account still exists is asked
     * per request only when the token lacks a scope ({@link RegistryAccess}); keys are never removed while a
     * token they signed may live.
     */
    private final Cache<String, VerifiedToken> verified = Caffeine.newBuilder()
            .maximumSize(10_000)
            .expireAfter(Expiry.creating((String hash, VerifiedToken token) -> cachedFor(token, Instant.now())))
            .recordStats().build();

    public TokenService(TokenKeys keys, AuthProperties properties) {
        this.keys = keys;
        this.properties = properties;
    }

    /** A verified access token: who it was issued to (null for anonymous) and what it grants. */
    public record VerifiedToken(String subject, List<Scope> access, Instant expiresAt) {

        public boolean grants(Scope required) {
            for (Scope scope : access) {
                if (scope.type().equals(required.type()) && scope.name().equals(required.name())
                        && scope.actions().containsAll(required.actions())) {
                    return true;
                }
            }
            return false;
        }
    }

    public record IssuedToken(String token, Instant issuedAt, Duration expiresIn) {
    }

    public IssuedToken issueAccessToken(Subject subject, List<Scope> granted) {
        Instant now = Instant.now();
        List<Map<String, Object>> access = new ArrayList<>();
        for (Scope scope : granted) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("type", scope.type());
            entry.put("name", scope.name());
            entry.put("actions", scope.actions().stream().sorted().toList());
            access.add(entry);
        }
        JWTClaimsSet claims = baseClaims(subject.isAnonymous() ? "" : subject.name(), now, properties.tokenTtl())
                .claim("access", access)
                .build();
        return new IssuedToken(sign(claims), now, properties.tokenTtl());
    }

    /**
     * A refresh token bound to the account's current password hash: changing the password (or the hash in
     * configuration) ends every refresh token issued before, whatever the clocks say. ({@code iat} has whole
     * seconds only, so comparing it with the time of the change cannot tell apart tokens issued in the same
     * second before and after it.)
     */
    public String issueRefreshToken(Account account) {
        Instant now = Instant.now();
        JWTClaimsSet claims = baseClaims(account.name(), now, properties.refreshTokenTtl())
                .claim(TOKEN_USE, REFRESH)
                .claim(CREDENTIALS, credentialsFingerprint(account.passwordHash()))
                .build();
        return sign(claims);
    }

    /** Whether the refresh token was issued for the account's current password. */
    public static boolean issuedForCurrentCredentials(RefreshClaims claims, Account account) {
        return claims.credentialsFingerprint() != null && MessageDigest.isEqual(
                claims.credentialsFingerprint().getBytes(StandardCharsets.US_ASCII),
                credentialsFingerprint(account.passwordHash()).getBytes(StandardCharsets.US_ASCII));
    }

    /** A digest of the password hash: identifies the credentials without revealing even their bcrypt hash. */
    private static String credentialsFingerprint(String passwordHash) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(String.valueOf(passwordHash).getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(digest, 16));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The access token's meaning, or empty when it is not a valid access token of this registry. */
    public Optional<VerifiedToken> verifyAccessToken(String token) {
        String hash = hashOf(token);
        VerifiedToken cached = verified.getIfPresent(hash);
        if (cached != null) {
            return cached.expiresAt().plus(CLOCK_SKEW).isAfter(Instant.now()) ? Optional.of(cached) : Optional.empty();
        }
        Optional<JWTClaimsSet> claims = verify(token, properties.tokenTtl());
        if (claims.isEmpty() || claims.get().getClaim(TOKEN_USE) != null) {
            return Optional.empty();
        }
        Optional<VerifiedToken> result = parseAccess(claims.get());
        result.ifPresent(v -> verified.put(hash, v));
        return result;
    }

    /** How long a verified token may stay cached: a minute, and not past its expiry (with the clock skew verification allows). */
    static Duration cachedFor(VerifiedToken token, Instant now) {
        Duration untilExpiry = Duration.between(now, token.expiresAt().plus(CLOCK_SKEW));
        return untilExpiry.isNegative() ? Duration.ZERO : untilExpiry.compareTo(MAX_CACHED) < 0 ? untilExpiry : MAX_CACHED;
    }

    private static String hashOf(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The refresh token's account name and issue time, or empty when it is not a valid refresh token. */
    public Optional<RefreshClaims> verifyRefreshToken(String token) {
        return verify(token, properties.refreshTokenTtl())
                .filter(c -> REFRESH.equals(c.getClaim(TOKEN_USE)))
                .filter(c -> c.getSubject() != null && !c.getSubject().isEmpty())
                .map(c -> new RefreshClaims(c.getSubject(), c.getIssueTime().toInstant(), credentialsClaim(c)));
    }

    private static String credentialsClaim(JWTClaimsSet claims) {
        return claims.getClaim(CREDENTIALS) instanceof String fingerprint ? fingerprint : null;
    }

    public record RefreshClaims(String accountName, Instant issuedAt, String credentialsFingerprint) {
    }

    private JWTClaimsSet.Builder baseClaims(String subject, Instant now, Duration ttl) {
        return new JWTClaimsSet.Builder()
                .issuer(properties.issuer())
                .subject(subject)
                .audience(properties.service())
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now.minusSeconds(1)))
                .expirationTime(Date.from(now.plus(ttl)))
                .jwtID(UUID.randomUUID().toString());
    }

    private String sign(JWTClaimsSet claims) {
        JWK key = keys.signingKey();
        JWSHeader header = new JWSHeader.Builder(TokenKeys.algorithmOf(key)).type(JOSEObjectType.JWT).keyID(key.getKeyID()).build();
        SignedJWT jwt = new SignedJWT(header, claims);
        try {
            JWSSigner signer = key instanceof RSAKey rsa ? new RSASSASigner(rsa) : new ECDSASigner((ECKey) key);
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("could not sign a token", e);
        }
        return jwt.serialize();
    }

    private Optional<JWTClaimsSet> verify(String token, Duration maxLifetime) {
        try {
            // SignedJWT.parse refuses unsecured ("alg": "none") tokens outright
            SignedJWT jwt = SignedJWT.parse(token);
            JWSAlgorithm alg = jwt.getHeader().getAlgorithm();
            String kid = jwt.getHeader().getKeyID();
            if (kid == null || !(JWSAlgorithm.ES256.equals(alg) || JWSAlgorithm.RS256.equals(alg))) {
                return Optional.empty();
            }
            Optional<JWK> key = keys.verificationKey(kid);
            if (key.isEmpty() || !TokenKeys.algorithmOf(key.get()).equals(alg)) {
                return Optional.empty();
            }
            JWSVerifier verifier = key.get() instanceof RSAKey rsa ? new RSASSAVerifier(rsa) : new ECDSAVerifier((ECKey) key.get());
            if (!jwt.verify(verifier)) {
                return Optional.empty();
            }
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            Instant now = Instant.now();
            if (!properties.issuer().equals(claims.getIssuer())
                    || claims.getAudience() == null || !claims.getAudience().contains(properties.service())
                    || claims.getExpirationTime() == null || claims.getIssueTime() == null
                    || !claims.getExpirationTime().toInstant().plus(CLOCK_SKEW).isAfter(now)
                    || (claims.getNotBeforeTime() != null && claims.getNotBeforeTime().toInstant().minus(CLOCK_SKEW).isAfter(now))) {
                return Optional.empty();
            }
            Instant issuedAt = claims.getIssueTime().toInstant();
            Instant expiresAt = claims.getExpirationTime().toInstant();
            if (issuedAt.minus(CLOCK_SKEW).isAfter(now)
                    || Duration.between(issuedAt, expiresAt).compareTo(maxLifetime.plus(CLOCK_SKEW)) > 0) {
                return Optional.empty();
            }
            return Optional.of(claims);
        } catch (ParseException | JOSEException | RuntimeException e) {
            return Optional.empty();
        }
    }

    @SuppressWarnings("unchecked")
    private static Optional<VerifiedToken> parseAccess(JWTClaimsSet claims) {
        List<Scope> access = new ArrayList<>();
        Object raw = claims.getClaim("access");
        if (raw instanceof List<?> entries) {
            for (Object entry : entries) {
                if (!(entry instanceof Map<?, ?> map)) {
                    return Optional.empty();
                }
                Object type = map.get("type");
                Object name = map.get("name");
                Object actions = map.get("actions");
                if (!(type instanceof String t) || !(name instanceof String n) || !(actions instanceof List<?> a)) {
                    return Optional.empty();
                }
                // re-parse through the scope grammar, so a signed token still cannot name an invalid resource
                Scope.parse(t + ":" + n + ":" + String.join(",", (List<String>) a)).ifPresent(access::add);
            }
        }
        String subject = claims.getSubject() == null || claims.getSubject().isEmpty() ? null : claims.getSubject();
        return Optional.of(new VerifiedToken(subject, List.copyOf(access), claims.getExpirationTime().toInstant()));
    }
}
