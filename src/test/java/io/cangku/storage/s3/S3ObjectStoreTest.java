package io.cangku.storage.s3;

import io.cangku.testing.S3TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;

/**
 * The contract against s3proxy in this JVM: a real S3 REST server on a free port, SigV4-authenticated,
 * keeping objects as files under a temporary directory (so the large-stream test does not fill the heap).
 */
class S3ObjectStoreTest extends S3BucketContract {

    @TempDir
    static Path objects;

    static S3TestServer server;

    @BeforeAll
    static void startServer() {
        server = S3TestServer.filesystem(objects);
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Override
    protected URI endpoint() {
        return server.endpoint();
    }

    @Override
    protected String accessKey() {
        return S3TestServer.ACCESS_KEY;
    }

    @Override
    protected String secretKey() {
        return S3TestServer.SECRET_KEY;
    }
}
