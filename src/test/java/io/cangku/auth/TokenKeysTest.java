package io.cangku.auth;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.SignedJWT;
import io.cangku.storage.StorageLayout;
import io.cangku.storage.filesystem.FilesystemObjectStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The signing keys without HTTP: a generated key is kept in storage and shared by every instance on it, a
 * configured PEM key (EC P-256 or RSA) signs instead, and configured verification keys keep older tokens
 * valid through a key rotation.
 */
@DisplayName("Token signing keys")
class TokenKeysTest {

    @TempDir
    Path root;

    FilesystemObjectStore store;

    @BeforeEach
    void createStore() throws Exception {
        store = new FilesystemObjectStore(root);
    }

    static AuthProperties properties(String signingKey, List<String> verificationKeys) {
        return new AuthProperties("token", "cangku", "cangku", Duration.ofMinutes(5), Duration.ofDays(30), 32,
                DataSize.ofKilobytes(64), Duration.ofHours(1),
                new AuthProperties.Admin("admin", null), new AuthProperties.Token(signingKey, verificationKeys),
                new AuthProperties.Throttle(5, 20, 20, Duration.ofMinutes(1)), List.of(), List.of());
    }

    static String issue(TokenService tokens) {
        return tokens.issueAccessToken(new Subject("alice", List.of(), false),
                List.of(Scope.repository("alice/app", Set.of(Scope.PULL)))).token();
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    static KeyPair generate(String algorithm, Object parameter) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
        if (parameter instanceof String curve) {
            generator.initialize(new ECGenParameterSpec(curve));
        } else {
            generator.initialize((Integer) parameter);
        }
        return generator.generateKeyPair();
    }

    /** A key pair as PEM, the way {@code openssl} writes it: the PKCS#8 private key followed by the public key. */
    static String pemPair(KeyPair pair) {
        return pem("PRIVATE KEY", pair.getPrivate().getEncoded()) + pem("PUBLIC KEY", pair.getPublic().getEncoded());
    }

    @Nested
    @DisplayName("a generated key")
    class Generated {

        @Test
        @DisplayName("is stored at first use and loaded, not regenerated, by the next instance")
        void storedAndReused() throws Exception {
            // given
            TokenKeys first = new TokenKeys(store, properties(null, List.of()));
            String token = issue(new TokenService(first, properties(null, List.of())));

            // when
            TokenKeys second = new TokenKeys(store, properties(null, List.of()));
            TokenService verifier = new TokenService(second, properties(null, List.of()));

            // then
            assertThat(second.signingKey().getKeyID()).isEqualTo(first.signingKey().getKeyID());
            assertThat(second.signingKey().isPrivate()).isTrue();
            assertThat(verifier.verifyAccessToken(token)).isPresent();
            assertThat(store.list(StorageLayout.SIGNING_KEYS, null, 10).items()).hasSize(1);
        }

        @Test
        @DisplayName("after two instances raced at first start, each soon accepts the tokens of the other")
        void raceAtFirstStart() throws Exception {
            // given instance A created its key and signs with it
            TokenKeys a = new TokenKeys(store, properties(null, List.of()));
            TokenService tokensOfA = new TokenService(a, properties(null, List.of()));
            String kidOfA = a.signingKey().getKeyID();
            // and instance B, which found no key either, stored its own, one whose id sorts first, so B signs with it
            ECKey keyOfB;
            do {
                keyOfB = new ECKeyGenerator(Curve.P_256).keyUse(KeyUse.SIGNATURE).keyIDFromThumbprint(true).generate();
            } while (keyOfB.getKeyID().compareTo(kidOfA) > 0);
            store.writeSmall(StorageLayout.signingKey(keyOfB.getKeyID()), keyOfB.toJSONString().getBytes(StandardCharsets.UTF_8));
            TokenKeys b = new TokenKeys(store, properties(null, List.of()));
            TokenService tokensOfB = new TokenService(b, properties(null, List.of()));
            String fromB = issue(tokensOfB);
            assertThat(SignedJWT.parse(fromB).getHeader().getKeyID()).isEqualTo(keyOfB.getKeyID());

            // then
            assertThat(tokensOfB.verifyAccessToken(issue(tokensOfA))).isPresent();
            await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(100))
                    .until(() -> tokensOfA.verifyAccessToken(fromB).isPresent());
        }
    }

    @Nested
    @DisplayName("a configured key")
    class Configured {

        @Test
        @DisplayName("EC P-256 from PEM signs ES256 tokens, and nothing is stored")
        void ecPem() throws Exception {
            // given
            AuthProperties properties = properties(pemPair(generate("EC", "secp256r1")), List.of());
            TokenKeys keys = new TokenKeys(store, properties);

            // when
            String token = issue(new TokenService(keys, properties));

            // then
            assertThat(SignedJWT.parse(token).getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
            assertThat(new TokenService(keys, properties).verifyAccessToken(token)).isPresent();
            assertThat(store.list(StorageLayout.SIGNING_KEYS, null, 10).items()).isEmpty();
        }

        @Test
        @DisplayName("RSA from PEM signs RS256 tokens")
        void rsaPem() throws Exception {
            // given
            AuthProperties properties = properties(pemPair(generate("RSA", 2048)), List.of());
            TokenKeys keys = new TokenKeys(store, properties);

            // when
            String token = issue(new TokenService(keys, properties));

            // then
            assertThat(SignedJWT.parse(token).getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.RS256);
            assertThat(new TokenService(keys, properties).verifyAccessToken(token)).isPresent();
        }

        @Test
        @DisplayName("rotation: tokens of the old key stay valid while its public key is a verification key, and not after")
        void rotation() throws Exception {
            // given tokens signed with the old key
            KeyPair old = generate("EC", "secp256r1");
            AuthProperties before = properties(pemPair(old), List.of());
            String oldToken = issue(new TokenService(new TokenKeys(store, before), before));

            // when the new key signs and the old one only verifies
            AuthProperties during = properties(pemPair(generate("EC", "secp256r1")), List.of(pem("PUBLIC KEY", old.getPublic().getEncoded())));
            TokenService rotated = new TokenService(new TokenKeys(store, during), during);
            AuthProperties after = properties(during.token().signingKey(), List.of());
            TokenService retired = new TokenService(new TokenKeys(store, after), after);

            // then
            String newToken = issue(rotated);
            assertThat(SignedJWT.parse(newToken).getHeader().getKeyID()).isNotEqualTo(SignedJWT.parse(oldToken).getHeader().getKeyID());
            assertThat(rotated.verifyAccessToken(oldToken)).isPresent();
            assertThat(rotated.verifyAccessToken(newToken)).isPresent();
            assertThat(retired.verifyAccessToken(oldToken)).isEmpty();
            assertThat(retired.verifyAccessToken(newToken)).isPresent();
        }

        @Test
        @DisplayName("is refused when it is not P-256 or not a private key")
        void refusedKeys() throws Exception {
            // given
            KeyPair p384 = generate("EC", "secp384r1");
            KeyPair p256 = generate("EC", "secp256r1");

            // then
            assertThatThrownBy(() -> new TokenKeys(store, properties(pemPair(p384), List.of())).signingKey())
                    .hasMessageContaining("P-256");
            assertThatThrownBy(() -> new TokenKeys(store, properties(pem("PUBLIC KEY", p256.getPublic().getEncoded()), List.of())).signingKey())
                    .hasMessageContaining("private key");
        }
    }
}
