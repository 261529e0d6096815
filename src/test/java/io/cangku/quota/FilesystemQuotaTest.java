package io.cangku.quota;

import io.cangku.testing.Backends;

import java.util.List;

/** Storage quotas on filesystem storage. */
class FilesystemQuotaTest extends QuotaContract {

    @Override
    List<String> freshStorage() {
        return Backends.filesystemArguments(Backends.newTempDir("cangku-quota-"));
    }
}
