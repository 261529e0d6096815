package io.cangku.registry;

import io.cangku.oci.OciError;
import io.cangku.oci.RegistryException;

import java.util.Map;

/**
 * A manifest PUT refused because the repository's storage quota would be exceeded. Its code is the spec's
 * {@code DENIED}, and the API answers 403 rather than the spec's other candidate, 429 {@code TOOMANYREQUESTS}:
 * waiting does not help (the usage only falls when someone deletes images and a collection runs), and clients
 * retry a 429 on their own (containers/image, docker) where a 403 makes them stop at once and print the message,
 * which names the quota, the usage, the limit and what the push would add. The same figures go in the
 * error's {@code detail} for programs.
 */
public class QuotaExceededException extends RegistryException {

    private final long usedBytes;
    private final long limitBytes;
    private final long addedBytes;

    /**
     * @param quota      the quota's name
     * @param usedBytes  what the quota's repositories reference now
     * @param limitBytes the quota's limit
     * @param addedBytes what the refused push would have added
     */
    public QuotaExceededException(String message, String quota, long usedBytes, long limitBytes, long addedBytes) {
        super(OciError.DENIED, message, Map.of("quota", quota, "usedBytes", usedBytes, "limitBytes", limitBytes,
                "addedBytes", addedBytes));
        this.usedBytes = usedBytes;
        this.limitBytes = limitBytes;
        this.addedBytes = addedBytes;
    }

    public long usedBytes() {
        return usedBytes;
    }

    public long limitBytes() {
        return limitBytes;
    }

    public long addedBytes() {
        return addedBytes;
    }
}
