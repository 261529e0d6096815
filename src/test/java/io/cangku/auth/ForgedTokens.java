package io.cangku.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Builds tokens the way an attacker would: any claims, any header, signed by any key or by none. */
final class ForgedTokens {

    private ForgedTokens() {
    }

    /** Claims as the registry issues them: iss/aud "cangku", valid now for five minutes. */
    static JWTClaimsSet.Builder claims(String subject, String... access) {
        Instant now = Instant.now();
        List<Map<String, Object>> entries = new ArrayList<>();
        for (String scope : access) {
            String[] parts = scope.split(":");
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("type", parts[0]);
            entry.put("name", parts[1]);
            entry.put("actions", Arrays.asList(parts[2].split(",")));
            entries.add(entry);
        }
        return new JWTClaimsSet.Builder()
                .issuer("cangku").audience("cangku").subject(subject)
                .issueTime(Date.from(now)).notBeforeTime(Date.from(now.minusSeconds(1)))
                .expirationTime(Date.from(now.plus(Duration.ofMinutes(5))))
                .jwtID(UUID.randomUUID().toString())
                .claim("access", entries);
    }

    /** Signs with the key's natural algorithm (ES256 or RS256) under {@code kid}. */
    static String sign(JWK key, String kid, JWTClaimsSet claims) {
        try {
            JWSAlgorithm alg = key instanceof RSAKey ? JWSAlgorithm.RS256 : JWSAlgorithm.ES256;
            JWSSigner signer = key instanceof RSAKey rsa ? new RSASSASigner(rsa) : new ECDSASigner((ECKey) key);
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).type(JOSEObjectType.JWT).keyID(kid).build(), claims);
            jwt.sign(signer);
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Signs with a header the caller built (an embedded jwk, an HMAC algorithm, no kid...). */
    static String sign(JWSHeader header, JWSSigner signer, JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(header, claims);
            jwt.sign(signer);
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** HS256 with the given bytes as the secret (the classic "public key as HMAC secret" confusion). */
    static String hmac(byte[] secret, String kid, JWTClaimsSet claims) {
        try {
            byte[] key = secret.length >= 32 ? secret : Arrays.copyOf(secret, 32);
            return sign(new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).keyID(kid).build(),
                    new MACSigner(key), claims);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An unsecured JWT: {@code {"alg":"none"}}, the claims, and an empty or given signature part. */
    static String unsigned(String alg, String kid, JWTClaimsSet claims, String signature) {
        String header = "{\"alg\":\"" + alg + "\",\"typ\":\"JWT\"" + (kid == null ? "" : ",\"kid\":\"" + kid + "\"") + "}";
        return Base64URL.encode(header.getBytes(StandardCharsets.UTF_8)) + "."
                + Base64URL.encode(claims.toString().getBytes(StandardCharsets.UTF_8)) + "." + signature;
    }

    /** The token with its payload replaced by {@code claims}, header and signature kept. */
    static String withPayload(String token, JWTClaimsSet claims) {
        String[] parts = token.split("\\.");
        return parts[0] + "." + Base64URL.encode(claims.toString().getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
    }
}
