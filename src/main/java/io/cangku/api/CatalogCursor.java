package io.cangku.api;

import com.nimbusds.jose.jwk.JWK;
import io.cangku.auth.TokenKeys;
import io.cangku.oci.OciError;
import io.cangku.oci.RegistryException;
import org.springframework.stereotype.Component;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

/**
 * The {@code last} of a catalog {@code Link} that continues after a repository the caller may not see. A
 * catalog request stops scanning after a bounded number of names, and the next request must start where it
 * stopped; naming that repository in clear would tell the caller it exists. So the name travels sealed
 * (AES-GCM), as {@code ~} and base64url: {@code ~} cannot start a repository name, so a sealed cursor and a
 * plain {@code last} never collide. The key is derived from the token signing key, which every replica
 * shares through storage, so any replica can continue another's listing.
 */
@Component
class CatalogCursor {

    private static final String PREFIX = "~";
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final byte[] LABEL = "cangku catalog cursor v1\0".getBytes(StandardCharsets.US_ASCII);

    private final TokenKeys keys;
    private final SecureRandom random = new SecureRandom();
    private volatile Derived derived;

    CatalogCursor(TokenKeys keys) {
        this.keys = keys;
    }

    static boolean isSealed(String last) {
        return last != null && last.startsWith(PREFIX);
    }

    String seal(String repository) {
        try {
            byte[] iv = new byte[IV_BYTES];
            random.nextBytes(iv);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key(), new GCMParameterSpec(TAG_BITS, iv));
            byte[] sealed = cipher.doFinal(repository.getBytes(StandardCharsets.UTF_8));
            byte[] all = new byte[iv.length + sealed.length];
            System.arraycopy(iv, 0, all, 0, iv.length);
            System.arraycopy(sealed, 0, all, iv.length, sealed.length);
            return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(all);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is part of every JDK", e);
        }
    }

    /** The repository name a sealed cursor stands for; a 400 when it was not made with this registry's key. */
    String open(String cursor) {
        return tryOpen(cursor).orElseThrow(() -> new RegistryException(OciError.PAGINATION_NUMBER_INVALID,
                "the 'last' of this catalog link is not valid here (made with another key?); list the catalog again from the start"));
    }

    private Optional<String> tryOpen(String cursor) {
        try {
            byte[] all = Base64.getUrlDecoder().decode(cursor.substring(PREFIX.length()));
            if (all.length < IV_BYTES + TAG_BITS / 8) {
                return Optional.empty();
            }
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key(), new GCMParameterSpec(TAG_BITS, all, 0, IV_BYTES));
            byte[] plain = cipher.doFinal(all, IV_BYTES, all.length - IV_BYTES);
            return Optional.of(new String(plain, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            return Optional.empty();
        }
    }

    /** SHA-256 over a label and the private signing key: a key for this purpose only, the same on every replica. */
    private SecretKeySpec key() throws GeneralSecurityException {
        JWK signing = keys.signingKey();
        Derived current = derived;
        if (current == null || current.signing != signing) {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            sha256.update(LABEL);
            sha256.update(signing.toJSONString().getBytes(StandardCharsets.UTF_8));
            current = new Derived(signing, new SecretKeySpec(sha256.digest(), "AES"));
            derived = current;
        }
        return current.key;
    }

    private record Derived(JWK signing, SecretKeySpec key) {
    }
}
