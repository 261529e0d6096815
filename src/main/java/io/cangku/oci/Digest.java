package io.cangku.oci;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A content digest {@code <algorithm>:<encoded>} as the OCI image spec defines it. Only the registered
 * algorithms {@code sha256} and {@code sha512} are accepted; anything else that is well formed is
 * {@link OciError#UNSUPPORTED}, and anything malformed is {@link OciError#DIGEST_INVALID}.
 */
public record Digest(String algorithm, String hex) implements Reference {

    public static final String SHA256 = "sha256";
    public static final String SHA512 = "sha512";

    // image-spec descriptor.md: algorithm-component [a-z0-9]+ joined by [+._-], encoded [a-zA-Z0-9=_-]+
    private static final Pattern GRAMMAR = Pattern.compile("[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+");
    private static final Pattern SHA256_HEX = Pattern.compile("[a-f0-9]{64}");
    private static final Pattern SHA512_HEX = Pattern.compile("[a-f0-9]{128}");
    private static final int MAX_LENGTH = 256;

    public Digest {
        switch (algorithm) {
            case SHA256 -> require(SHA256_HEX, hex, algorithm);
            case SHA512 -> require(SHA512_HEX, hex, algorithm);
            default -> throw new UnsupportedAlgorithmException(
                    "digest algorithm '" + algorithm + "' is not supported; use sha256 or sha512");
        }
    }

    private static void require(Pattern pattern, String hex, String algorithm) {
        if (!pattern.matcher(hex).matches()) {
            throw new RegistryException(OciError.DIGEST_INVALID,
                    "a " + algorithm + " digest needs " + (SHA256.equals(algorithm) ? 64 : 128) + " lowercase hex characters");
        }
    }

    /** Parses {@code sha256:<hex>}; throws {@link RegistryException} with the spec's code when it is not one. */
    public static Digest parse(String text) {
        if (text == null || text.length() > MAX_LENGTH || !GRAMMAR.matcher(text).matches()) {
            throw new RegistryException(OciError.DIGEST_INVALID,
                    "'" + abbreviate(text) + "' is not a digest of the form <algorithm>:<hex>, e.g. sha256:<64 hex characters>");
        }
        int colon = text.indexOf(':');
        return new Digest(text.substring(0, colon), text.substring(colon + 1));
    }

    /** True when the text is a well-formed digest whose algorithm we support. */
    public static boolean isValid(String text) {
        try {
            parse(text);
            return true;
        } catch (RegistryException e) {
            return false;
        }
    }

    public static Digest sha256Of(byte[] bytes) {
        return of(SHA256, bytes);
    }

    public static Digest of(String algorithm, byte[] bytes) {
        MessageDigest md = newMessageDigest(algorithm);
        return fromMessageDigest(algorithm, md.digest(bytes));
    }

    public MessageDigest newMessageDigest() {
        return newMessageDigest(algorithm);
    }

    public static MessageDigest newMessageDigest(String algorithm) {
        try {
            return MessageDigest.getInstance(switch (algorithm) {
                case SHA256 -> "SHA-256";
                case SHA512 -> "SHA-512";
                default -> throw new IllegalArgumentException(algorithm);
            });
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks " + algorithm, e);
        }
    }

    public static Digest fromMessageDigest(String algorithm, byte[] digestBytes) {
        return new Digest(algorithm, HexFormat.of().formatHex(digestBytes));
    }

    @Override
    public String toString() {
        return algorithm + ":" + hex;
    }

    private static String abbreviate(String text) {
        if (text == null) {
            return "";
        }
        return text.length() > 80 ? text.substring(0, 80) + "…" : text;
    }
}
