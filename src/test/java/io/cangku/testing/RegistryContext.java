package io.cangku.testing;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

import io.cangku.CangkuApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The whole registry in this JVM on a free port, started with {@link SpringApplicationBuilder} rather than
 * {@code @SpringBootTest}: for a test that restarts it on the same storage, runs two side by side (replicas of
 * one bucket), starts it against a store it controls, or shares one with {@code @Nested} classes whose Spring
 * configuration would come from an abstract class. For a registry in a JVM of its own, see
 * {@link RegistryProcess}.
 *
 * <p>Settings are command-line arguments, which outrank {@code application.yml}
 * ({@code SpringApplicationBuilder.properties} would lose to it). Give a property once: Spring joins repeated
 * command-line values with commas.
 *
 * <pre>{@code
 * try (RegistryContext registry = RegistryContext.startOpen(Backends.s3Arguments(bucket),
 *         "--registry.storage.s3.redirect=true")) {
 *     URI base = registry.uri();
 * }
 * }</pre>
 */
public final class RegistryContext implements AutoCloseable {

    private final ConfigurableApplicationContext context;

    private RegistryContext(ConfigurableApplicationContext context) {
        this.context = context;
    }

    /**
     * Starts the registry with exactly these arguments (storage among them) plus {@code --server.port=0}.
     * Nothing here sets {@code registry.auth.mode}, so token authentication is on, as by default.
     */
    public static RegistryContext start(List<String> arguments) {
        List<String> all = new ArrayList<>(List.of("--server.port=0"));
        all.addAll(arguments);
        return new RegistryContext(new SpringApplicationBuilder(CangkuApplication.class).run(all.toArray(String[]::new)));
    }

    /**
     * As {@link #start}, with {@code clock} as the registry's clock (registered before the context refreshes,
     * so it replaces the system clock every service reads time from).
     */
    public static RegistryContext start(java.time.Clock clock, List<String> arguments) {
        List<String> all = new ArrayList<>(List.of("--server.port=0"));
        all.addAll(arguments);
        return new RegistryContext(new SpringApplicationBuilder(CangkuApplication.class)
                .initializers(context -> context.getBeanFactory().registerSingleton("clock", clock))
                .run(all.toArray(String[]::new)));
    }

    /** An open registry ({@code registry.auth.mode=none}: no login, anyone may push) on {@code storage}. */
    public static RegistryContext startOpen(List<String> storage, String... more) {
        List<String> all = new ArrayList<>(List.of("--registry.auth.mode=none"));
        all.addAll(storage);
        all.addAll(List.of(more));
        return start(all);
    }

    public int port() {
        return Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
    }

    /** The Actuator port (health, Prometheus); tests get a free one (src/test/resources/config/application.properties). */
    public int managementPort() {
        return Integer.parseInt(context.getEnvironment().getProperty("local.management.port"));
    }

    /** {@code 127.0.0.1:<port>}, as clients name the registry. */
    public String hostPort() {
        return "127.0.0.1:" + port();
    }

    /** {@code http://127.0.0.1:<port>}, no trailing slash. */
    public URI uri() {
        return URI.create("http://" + hostPort());
    }

    /** The Spring context itself, e.g. to publish an event (a readiness change) as the application would. */
    public ConfigurableApplicationContext applicationContext() {
        return context;
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    @Override
    public void close() {
        context.close();
    }
}
