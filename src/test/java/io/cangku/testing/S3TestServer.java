package io.cangku.testing;

import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;

import java.net.URI;
import java.nio.file.Path;
import java.util.Properties;

/**
 * A real S3 REST server in the test JVM: s3proxy on a free port of 127.0.0.1, checking SigV4 signatures
 * (or V2) for one access key, enforcing S3's multipart rules (5 MiB minimum part), keeping objects either in
 * memory ({@code transient}) or as files under a directory ({@code filesystem}, for large data). Its conditional
 * writes are made atomic ({@link AtomicConditionalWrites}), as S3's are.
 */
public final class S3TestServer implements AutoCloseable {

    public static final String ACCESS_KEY = "cangku-test-access";
    public static final String SECRET_KEY = "cangku-test-secret-0123456789";

    private static S3TestServer shared;

    private final S3Proxy proxy;
    private final URI endpoint;

    private S3TestServer(S3Proxy proxy) {
        this.proxy = proxy;
        this.endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
    }

    /** Objects as files under {@code directory}. */
    public static S3TestServer filesystem(Path directory) {
        return filesystem(directory, 0);
    }

    /** Objects as files under {@code directory}, on {@code port} (0: a free one), e.g. to restart a stopped server. */
    public static S3TestServer filesystem(Path directory, int port) {
        Properties properties = new Properties();
        properties.setProperty("jclouds.filesystem.basedir", directory.toAbsolutePath().toString());
        return start("filesystem", properties, port);
    }

    /** Objects in memory; for small data only. */
    public static S3TestServer inMemory() {
        return start("transient", new Properties(), 0);
    }

    /** One server per JVM, on files under a temporary directory, stopped when the JVM exits. */
    public static synchronized S3TestServer shared() {
        if (shared == null) {
            shared = filesystem(Backends.newTempDir("cangku-s3proxy-"));
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close, "s3proxy-stop"));
        }
        return shared;
    }

    private static S3TestServer start(String provider, Properties properties, int port) {
        properties.setProperty("jclouds.identity", ACCESS_KEY);
        properties.setProperty("jclouds.credential", SECRET_KEY);
        try {
            S3Proxy proxy = S3Proxy.builder()
                    .blobStore(new AtomicConditionalWrites(BlobStores.create(provider, properties)))
                    .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                    .endpoint(URI.create("http://127.0.0.1:" + port))
                    .ignoreUnknownHeaders(true)
                    .build();
            proxy.start();
            while (!"STARTED".equals(proxy.getState())) {
                Thread.sleep(10);
            }
            return new S3TestServer(proxy);
        } catch (Exception e) {
            throw new IllegalStateException("could not start s3proxy (" + provider + ")", e);
        }
    }

    public URI endpoint() {
        return endpoint;
    }

    @Override
    public void close() {
        try {
            proxy.stop();
        } catch (Exception e) {
            // stopping at exit: nothing to do about it
        }
    }
}
