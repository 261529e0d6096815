package io.cangku.oci;

/** What a manifest URL names: a {@link Tag} or a {@link Digest}. */
public sealed interface Reference permits Tag, Digest {

    /** A digest when the text has a colon (tags cannot), otherwise a tag; each validated by its grammar. */
    static Reference parse(String text) {
        if (text != null && text.indexOf(':') >= 0) {
            return Digest.parse(text);
        }
        return Tag.parse(text);
    }
}
