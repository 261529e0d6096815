package io.cangku.storage;

import io.cangku.oci.Digest;
import io.cangku.oci.RepositoryName;
import io.cangku.oci.Tag;

/**
 * The one map of every key the registry keeps, after distribution's {@code registry/storage/paths.go},
 * with flat indexes so that every listing a request needs is one prefix listing (cheap on S3):
 *
 * <pre>
 * blobs/&lt;alg&gt;/&lt;hex[0:2]&gt;/&lt;hex&gt;                          bytes of a blob or manifest, stored once
 * repositories/&lt;name&gt;/_layers/&lt;alg&gt;/&lt;hex&gt;                   link: the repository may serve this blob.
 *                                                           Empty; its modification time is when the blob
 *                                                           was last linked (upload, mount, HEAD, manifest
 *                                                           PUT), which garbage collection's grace period reads
 * repositories/&lt;name&gt;/_manifests/revisions/&lt;alg&gt;/&lt;hex&gt;      link: the repository holds this manifest;
 *                                                           content: the manifest's media type
 * repositories/&lt;name&gt;/_manifests/tags/&lt;tag&gt;                 the digest the tag points at, a newline and the
 *                                                           push time (name encoded so that names sort
 *                                                           case-insensitively; older tags: the digest alone)
 * repositories/&lt;name&gt;/_referrers/&lt;alg&gt;/&lt;hex&gt;/&lt;alg&gt;:&lt;hex&gt;    descriptor (JSON) of a manifest whose subject
 *                                                           is the first digest, written at its PUT
 * _tag-pushes/&lt;name&gt;/_last                              when a tag of the repository was last pushed (an instant),
 *                                                           so the console's repository rows need not stat every
 *                                                           tag; written without fsync (display only)
 * _catalog/&lt;encoded name&gt;                                 marker: the repository exists (an order-keeping
 *                                                           encoding, cut into segments a filesystem can hold)
 * _uploads/&lt;id&gt;/data                                      appendable: an upload session's bytes (the S3
 *                                                           backend keeps data.state and data.tail.&lt;id&gt;
 *                                                           beside it until sealed)
 * _uploads/&lt;id&gt;/info                                      JSON: repository, owner and start time of the session
 * _upload-owners/&lt;owner hash&gt;/&lt;id&gt;                        marker: an open session of that owner (an account,
 *                                                           or an anonymous client's address), so counting
 *                                                           one owner's sessions is one short listing
 * _auth/users/&lt;name&gt;                                      JSON: an account (password hashed)
 * _auth/groups/&lt;name&gt;                                     JSON: a group
 * _auth/rules/&lt;id&gt;                                        JSON: an access rule
 * _auth/keys/&lt;kid&gt;                                        JSON (JWK): a token signing key, shared by replicas
 * _audit/&lt;yyyy-mm-dd&gt;/&lt;epoch millis&gt;-&lt;id&gt;                  JSON: one audit event; listing is chronological
 * _gc/used/&lt;alg&gt;/&lt;hex[0:2]&gt;/&lt;hex&gt;                       empty: its modification time is when any repository last
 *                                                           relied on the digest (upload, mount, HEAD, manifest PUT);
 *                                                           the collector's one-read freshness check for a digest
 * _gc/intents/&lt;run id&gt;-&lt;n&gt;                             one batch of the collector's deletions: the digests it is
 *                                                           about to delete objects of, one a line (written once, never
 *                                                           changed, deleted after the batch); writers list this flat
 *                                                           prefix (one object per running collector) and refuse to
 *                                                           rely on a digest it names meanwhile
 * _gc/deleting/&lt;alg&gt;/&lt;hex&gt;                             the older per-digest intents; only removed once expired
 * _gc/lease                                                 JSON: which process runs the collector, until when
 * _gc/runs/&lt;id&gt;                                           JSON: one collection run, its progress and report
 *                                                           (ids sort by start time)
 * _gc/usage                                                 JSON: storage usage figures of the last real run
 * _policy/immutable-tags                                    JSON: immutable-tag rules made through the admin API
 * _policy/retention-policies                                JSON: retention policies made through the admin API
 * _policy/retention-runs/&lt;id&gt;                             JSON: one retention run's report (ids sort by start time)
 * _policy/pulls/&lt;name&gt;/_manifests/&lt;alg&gt;/&lt;hex&gt;            when a client last pulled the manifest from the
 *                                                           repository (an instant; written at most once per
 *                                                           flush interval by each replica)
 * _quota/rules                                              JSON: storage quotas made through the admin API
 * _quota/usage/&lt;quota name&gt;                               binary: the quota's usage ledger, every blob its
 *                                                           repositories reference (digest fingerprint, size, when
 *                                                           counted); changed only by conditional writes
 * _events/inbox/&lt;epoch millis&gt;-&lt;instance&gt;-&lt;seq&gt;             JSON: events just recorded, each with the
 *                                                           endpoints it is for (one object per push, tag or
 *                                                           delete; one per flush for pulls)
 * _events/queue/&lt;endpoint&gt;/&lt;inbox name&gt;-&lt;index&gt;           JSON: one event waiting for delivery to that
 *                                                           endpoint; key order is delivery order
 * _events/status/&lt;endpoint&gt;                                JSON: the endpoint's delivery status
 * _events/lease                                             JSON: which process delivers events, until when
 * </pre>
 *
 * Repository path components start with a letter or digit, so the {@code _}-prefixed names above can
 * never collide with a nested repository ({@code a/_layers} is not a valid name).
 */
public final class StorageLayout {

    public static final StorageKey BLOBS = StorageKey.of("blobs");
    public static final StorageKey REPOSITORIES = StorageKey.of("repositories");
    public static final StorageKey CATALOG = StorageKey.of("_catalog");
    public static final StorageKey UPLOADS = StorageKey.of("_uploads");
    public static final StorageKey UPLOAD_OWNERS = StorageKey.of("_upload-owners");
    public static final StorageKey USERS = StorageKey.of("_auth", "users");
    public static final StorageKey GROUPS = StorageKey.of("_auth", "groups");
    public static final StorageKey RULES = StorageKey.of("_auth", "rules");
    public static final StorageKey SIGNING_KEYS = StorageKey.of("_auth", "keys");
    public static final StorageKey AUDIT = StorageKey.of("_audit");
    public static final StorageKey GC = StorageKey.of("_gc");
    public static final StorageKey USE_MARKERS = GC.resolve("used");
    public static final StorageKey DELETION_INTENTS = GC.resolve("intents");
    /** Where collectors before batch intents wrote one intent per digest; only cleaned up now. */
    public static final StorageKey LEGACY_DELETION_INTENTS = GC.resolve("deleting");
    public static final StorageKey GC_LEASE = GC.resolve("lease");
    public static final StorageKey GC_RUNS = GC.resolve("runs");
    public static final StorageKey GC_USAGE = GC.resolve("usage");
    public static final StorageKey POLICY = StorageKey.of("_policy");
    public static final StorageKey IMMUTABLE_TAG_RULES = POLICY.resolve("immutable-tags");
    public static final StorageKey RETENTION_POLICIES = POLICY.resolve("retention-policies");
    public static final StorageKey RETENTION_RUNS = POLICY.resolve("retention-runs");
    public static final StorageKey PULLS = POLICY.resolve("pulls");
    public static final StorageKey TAG_PUSHES = StorageKey.of("_tag-pushes");
    public static final StorageKey QUOTA = StorageKey.of("_quota");
    public static final StorageKey QUOTA_RULES = QUOTA.resolve("rules");
    public static final StorageKey QUOTA_USAGE = QUOTA.resolve("usage");
    public static final StorageKey EVENTS = StorageKey.of("_events");
    public static final StorageKey EVENT_INBOX = EVENTS.resolve("inbox");
    public static final StorageKey EVENT_LEASE = EVENTS.resolve("lease");

    static final int CATALOG_SEGMENT_LENGTH = 200;
    private static final String CATALOG_CONTINUATION = "/-";
    private static final String CATALOG_END = "+";

    private StorageLayout() {
    }

    public static StorageKey blob(Digest digest) {
        return BLOBS.resolve(digest.algorithm(), digest.hex().substring(0, 2), digest.hex());
    }

    /** When any repository last relied on {@code digest}; see the class comment. */
    public static StorageKey useMarker(Digest digest) {
        return USE_MARKERS.resolve(digest.algorithm(), digest.hex().substring(0, 2), digest.hex());
    }

    /** Present while the collector decides whether to delete what is stored for the digests it lists. */
    public static StorageKey deletionIntent(String batchId) {
        return DELETION_INTENTS.resolve(batchId);
    }

    public static StorageKey gcRun(String id) {
        return GC_RUNS.resolve(id);
    }

    /** Pull markers of a repository's manifests ({@code _manifests} keeps nested repositories' apart). */
    public static StorageKey pulls(RepositoryName name) {
        return PULLS.resolve(name.value()).resolve("_manifests");
    }

    public static StorageKey pull(RepositoryName name, Digest digest) {
        return pulls(name).resolve(digest.algorithm(), digest.hex());
    }

    /** The usage ledger of a quota; {@code name} is a validated quota name. */
    public static StorageKey quotaUsage(String name) {
        return QUOTA_USAGE.resolve(name);
    }

    /** Events waiting for delivery to one notification endpoint. */
    public static StorageKey eventQueue(String endpoint) {
        return EVENTS.resolve("queue", endpoint);
    }

    public static StorageKey eventStatus(String endpoint) {
        return EVENTS.resolve("status", endpoint);
    }

    public static StorageKey retentionRun(String id) {
        return RETENTION_RUNS.resolve(id);
    }

    public static StorageKey repository(RepositoryName name) {
        return REPOSITORIES.resolve(name.value());
    }

    /** The prefixes that hold a repository's own objects (a nested repository's lie beside them). */
    public static java.util.List<StorageKey> repositoryContents(RepositoryName name) {
        return java.util.List.of(layerLinks(name), repository(name).resolve("_manifests"), repository(name).resolve("_referrers"));
    }

    public static StorageKey layerLink(RepositoryName name, Digest digest) {
        return layerLinks(name).resolve(digest.algorithm(), digest.hex());
    }

    public static StorageKey layerLinks(RepositoryName name) {
        return repository(name).resolve("_layers");
    }

    public static StorageKey manifestRevision(RepositoryName name, Digest digest) {
        return manifestRevisions(name).resolve(digest.algorithm(), digest.hex());
    }

    public static StorageKey manifestRevisions(RepositoryName name) {
        return repository(name).resolve("_manifests", "revisions");
    }

    public static StorageKey tags(RepositoryName name) {
        return repository(name).resolve("_manifests", "tags");
    }

    /** When a tag of the repository was last pushed ({@code _last} keeps nested repositories' apart). */
    public static StorageKey lastTagPush(RepositoryName name) {
        return TAG_PUSHES.resolve(name.value()).resolve("_last");
    }

    public static StorageKey tag(RepositoryName name, Tag tag) {
        return tags(name).resolve(encodeTagName(tag.value()));
    }

    /**
     * A tag's object name, chosen so that names sort as the spec orders tags: lexically, case-insensitive
     * (distribution-spec v1.1, listing tags). The name is the lowercased tag; a tag with capitals gets
     * {@code +} and a case mask after it (one hex digit per four characters, a bit per capital). {@code +}
     * sorts below every tag character, so a tag still sorts before the longer tags it prefixes, and tags
     * equal but for case follow one another in a fixed order. At most 128 + 1 + 32 characters, within a
     * file name's 255 bytes.
     */
    public static String encodeTagName(String tag) {
        String lower = tag.toLowerCase(java.util.Locale.ROOT);
        if (lower.equals(tag)) {
            return tag;
        }
        StringBuilder name = new StringBuilder(lower.length() + 1 + (tag.length() + 3) / 4).append(lower).append('+');
        for (int group = 0; group < tag.length(); group += 4) {
            int digit = 0;
            for (int bit = 0; bit < 4 && group + bit < tag.length(); bit++) {
                if (Character.isUpperCase(tag.charAt(group + bit))) {
                    digit |= 1 << bit;
                }
            }
            name.append(Character.forDigit(digit, 16));
        }
        return name.toString();
    }

    public static String decodeTagName(String name) {
        int plus = name.indexOf('+');
        if (plus < 0) {
            return name;
        }
        char[] tag = name.substring(0, plus).toCharArray();
        for (int i = 0; i < tag.length; i++) {
            int digit = Character.digit(name.charAt(plus + 1 + i / 4), 16);
            if ((digit & (1 << (i % 4))) != 0) {
                tag[i] = Character.toUpperCase(tag[i]);
            }
        }
        return new String(tag);
    }

    public static StorageKey referrers(RepositoryName name, Digest subject) {
        return repository(name).resolve("_referrers", subject.algorithm(), subject.hex());
    }

    public static StorageKey referrer(RepositoryName name, Digest subject, Digest referrer) {
        return referrers(name, subject).resolve(referrer.toString());
    }

    public static StorageKey catalogEntry(RepositoryName name) {
        return CATALOG.resolve(encodeCatalogName(name.value()));
    }

    public static StorageKey uploadData(String uploadId) {
        return UPLOADS.resolve(uploadId, "data");
    }

    public static StorageKey uploadInfo(String uploadId) {
        return UPLOADS.resolve(uploadId, "info");
    }

    public static StorageKey upload(String uploadId) {
        return UPLOADS.resolve(uploadId);
    }

    /** The open sessions of one owner; {@code ownerHash} is a hex digest of the owner (names and addresses need no escaping). */
    public static StorageKey uploadsOf(String ownerHash) {
        return UPLOAD_OWNERS.resolve(ownerHash);
    }

    public static StorageKey uploadOwnerMarker(String ownerHash, String uploadId) {
        return UPLOAD_OWNERS.resolve(ownerHash, uploadId);
    }

    public static StorageKey user(String name) {
        return USERS.resolve(name);
    }

    public static StorageKey group(String name) {
        return GROUPS.resolve(name);
    }

    public static StorageKey rule(String id) {
        return RULES.resolve(id);
    }

    public static StorageKey signingKey(String kid) {
        return SIGNING_KEYS.resolve(kid);
    }

    /** An audit event's key; days are prefixes, and keys sort by time within a day. */
    public static StorageKey auditEvent(java.time.Instant at, String id) {
        String day = java.time.format.DateTimeFormatter.ISO_LOCAL_DATE.format(at.atZone(java.time.ZoneOffset.UTC));
        return AUDIT.resolve(day, String.format("%015d-%s", at.toEpochMilli(), id));
    }

    /**
     * Flattens a repository name into a key path (relative to {@link #CATALOG}) while keeping the order of names:
     * {@code .} becomes {@code .0} and {@code /} becomes {@code .1}. Every other character of the name grammar
     * stands for itself, and since {@code '.' < '/' < '0'} in ASCII, the encoded keys sort exactly as the names
     * do, so the catalog is one ordered prefix listing whose {@code last} maps onto {@code startAfter}.
     *
     * <p>A name of 255 characters can encode to 510, more than a filesystem allows in one file name (255 bytes),
     * so the encoding is cut into segments of {@value #CATALOG_SEGMENT_LENGTH} characters, each continuation
     * prefixed with {@code -} (a segment may not start with a period). Inserting the same separator at the same
     * offsets keeps the order. A final {@code +} ends every marker: it sorts before every character of a name,
     * so order is kept, and since no segment in the middle can end with it, a marker is never also the directory
     * of a longer one.
     */
    public static String encodeCatalogName(String name) {
        StringBuilder sb = new StringBuilder(name.length() + 8);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            switch (c) {
                case '.' -> sb.append(".0");
                case '/' -> sb.append(".1");
                default -> sb.append(c);
            }
        }
        sb.append(CATALOG_END);
        StringBuilder path = new StringBuilder(sb.length() + 8);
        for (int start = 0; start < sb.length(); start += CATALOG_SEGMENT_LENGTH) {
            if (start > 0) {
                path.append(CATALOG_CONTINUATION);
            }
            path.append(sb, start, Math.min(sb.length(), start + CATALOG_SEGMENT_LENGTH));
        }
        return path.toString();
    }

    public static String decodeCatalogName(String path) {
        String encoded = path.replace(CATALOG_CONTINUATION, "");
        if (encoded.endsWith(CATALOG_END)) {
            encoded = encoded.substring(0, encoded.length() - CATALOG_END.length());
        }
        StringBuilder sb = new StringBuilder(encoded.length());
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if (c == '.' && i + 1 < encoded.length()) {
                sb.append(encoded.charAt(++i) == '1' ? '/' : '.');
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
