package io.cangku.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import io.cangku.storage.ObjectStore;
import io.cangku.storage.StorageLayout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The keys tokens are signed and verified with. The signing key comes from configuration (PEM) or is
 * generated at first start and kept in storage, so tokens survive restarts and every replica signs with the
 * same key: replicas that race at first start each store one, then all sign with the lowest key id and all
 * accept every stored key. Further public keys from configuration are accepted too (rotation); a key id
 * ({@code kid}, the RFC 7638 thumbprint) in each token header selects the key.
 */
@Component
public class TokenKeys {

    private static final Logger log = LoggerFactory.getLogger(TokenKeys.class);
    private static final int MAX_KEY_BYTES = 16 * 1024;
    /**
     * How often an unknown key id may make us list the stored keys again. Short, because replicas that raced
     * at first start each sign with a key the other learns of only by such a reload: with 30 s, tokens of one
     * replica were refused by the other for up to 30 s. Still a bound, so forged key ids cannot turn every
     * request into a storage listing.
     */
    private static final Duration RELOAD_INTERVAL = Duration.ofSeconds(1);

    private final ObjectStore store;
    private final AuthProperties properties;
    private final Map<String, JWK> verificationKeys = new ConcurrentHashMap<>();
    private volatile JWK signingKey;
    private volatile Instant lastReload = Instant.EPOCH;

    public TokenKeys(ObjectStore store, AuthProperties properties) {
        this.store = store;
        this.properties = properties;
    }

    /** The private key new tokens are signed with (loaded or created on first use). */
    public JWK signingKey() {
        JWK key = signingKey;
        if (key == null) {
            synchronized (this) {
                if (signingKey == null) {
                    signingKey = loadSigningKey();
                }
                key = signingKey;
            }
        }
        return key;
    }

    public JWSAlgorithm algorithm() {
        return algorithmOf(signingKey());
    }

    static JWSAlgorithm algorithmOf(JWK key) {
        return key instanceof RSAKey ? JWSAlgorithm.RS256 : JWSAlgorithm.ES256;
    }

    /** The public key with this id, if it is one we accept; an unknown id triggers a (rate-limited) reload. */
    public Optional<JWK> verificationKey(String kid) {
        signingKey();
        JWK key = verificationKeys.get(kid);
        if (key == null && Instant.now().isAfter(lastReload.plus(RELOAD_INTERVAL))) {
            loadStoredKeys(); // another replica may have added one
            key = verificationKeys.get(kid);
        }
        return Optional.ofNullable(key);
    }

    private JWK loadSigningKey() {
        for (String pem : properties.token().verificationKeys()) {
            JWK key = parsePem(pem, "registry.auth.token.verification-keys");
            verificationKeys.put(kid(key), withKid(key.toPublicJWK()));
        }
        if (properties.token().signingKey() != null && !properties.token().signingKey().isBlank()) {
            JWK key = parsePem(properties.token().signingKey(), "registry.auth.token.signing-key");
            if (!key.isPrivate()) {
                throw new IllegalStateException("registry.auth.token.signing-key must be a private key");
            }
            JWK signing = withKid(key);
            verificationKeys.put(signing.getKeyID(), signing.toPublicJWK());
            return signing;
        }
        TreeMap<String, JWK> stored = loadStoredKeys();
        if (stored.isEmpty()) {
            JWK generated = generate();
            try {
                store.writeSmall(StorageLayout.signingKey(generated.getKeyID()),
                        generated.toJSONString().getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException("could not store the generated token signing key", e);
            }
            log.info("generated a token signing key (ES256, kid {}) and stored it for every replica", generated.getKeyID());
            stored = loadStoredKeys();
        }
        return stored.firstEntry().getValue();
    }

    private synchronized TreeMap<String, JWK> loadStoredKeys() {
        lastReload = Instant.now();
        TreeMap<String, JWK> keys = new TreeMap<>();
        try {
            store.forEach(StorageLayout.SIGNING_KEYS, item -> {
                Optional<byte[]> bytes = store.readSmall(item.key(), MAX_KEY_BYTES);
                if (bytes.isPresent()) {
                    JWK key = parseStored(bytes.get());
                    keys.put(key.getKeyID(), key);
                    verificationKeys.put(key.getKeyID(), key.toPublicJWK());
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the token signing keys from storage", e);
        }
        return keys;
    }

    private static JWK parseStored(byte[] json) {
        try {
            return JWK.parse(new String(json, StandardCharsets.UTF_8));
        } catch (ParseException e) {
            throw new IllegalStateException("a stored token signing key is corrupt", e);
        }
    }

    private static JWK generate() {
        try {
            ECKey key = new ECKeyGenerator(Curve.P_256).keyUse(KeyUse.SIGNATURE).generate();
            return withKid(key);
        } catch (JOSEException e) {
            throw new IllegalStateException("could not generate an EC P-256 key", e);
        }
    }

    private static JWK parsePem(String pem, String property) {
        try {
            JWK key = JWK.parseFromPEMEncodedObjects(pem);
            if (key instanceof ECKey ec && !Curve.P_256.equals(ec.getCurve())) {
                throw new IllegalStateException(property + ": EC keys must use the P-256 curve (ES256)");
            }
            return key;
        } catch (JOSEException e) {
            throw new IllegalStateException(property + " is not a PEM EC P-256 or RSA key: " + e.getMessage(), e);
        }
    }

    private static JWK withKid(JWK key) {
        String kid = kid(key);
        return switch (key) {
            case ECKey ec -> new ECKey.Builder(ec).keyID(kid).keyUse(KeyUse.SIGNATURE).build();
            case RSAKey rsa -> new RSAKey.Builder(rsa).keyID(kid).keyUse(KeyUse.SIGNATURE).build();
            default -> throw new IllegalStateException("unsupported key type " + key.getKeyType());
        };
    }

    private static String kid(JWK key) {
        try {
            return key.computeThumbprint().toString();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
