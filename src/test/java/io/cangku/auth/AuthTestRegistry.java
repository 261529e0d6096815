package io.cangku.auth;

import io.cangku.CangkuApplication;
import io.cangku.testing.Backends;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The whole registry with token authentication on, on filesystem storage, listening on a free port. Started
 * with {@link SpringApplicationBuilder} rather than {@code @SpringBootTest} so that a test can restart it on
 * the same storage, run two of them side by side, and so that {@code @Nested} classes share one instance.
 */
public final class AuthTestRegistry implements AutoCloseable {

    public static final String ADMIN = "admin";
    public static final String ADMIN_PASSWORD = "admin-secret-0xC0FFEE";

    private static final BCryptPasswordEncoder BCRYPT = new BCryptPasswordEncoder();

    private final ConfigurableApplicationContext context;
    private final Path root;

    private AuthTestRegistry(ConfigurableApplicationContext context, Path root) {
        this.context = context;
        this.root = root;
    }

    /** A registry on fresh storage, with the administrator's password set to {@link #ADMIN_PASSWORD}. */
    public static AuthTestRegistry start(String... args) {
        List<String> all = new ArrayList<>(List.of("--registry.auth.admin.password=" + ADMIN_PASSWORD));
        all.addAll(List.of(args));
        return startOn(Backends.newTempDir("cangku-auth-"), all.toArray(String[]::new));
    }

    /**
     * A registry on the given storage root, with exactly these extra arguments. Token authentication is on
     * because it is the default: nothing here sets {@code registry.auth.mode}.
     */
    public static AuthTestRegistry startOn(Path root, String... args) {
        List<String> all = new ArrayList<>(List.of("--server.port=0",
                "--registry.storage.type=filesystem", "--registry.storage.filesystem.root=" + root));
        all.addAll(List.of(args));
        return new AuthTestRegistry(new SpringApplicationBuilder(CangkuApplication.class).run(all.toArray(String[]::new)), root);
    }

    /**
     * Arguments declaring a user in configuration ({@code registry.auth.users[i]}), hashed with the same bcrypt
     * cost the registry uses for its own accounts.
     */
    public static List<String> declaredUser(int index, String name, String password, String... groups) {
        List<String> args = new ArrayList<>();
        args.add("--registry.auth.users[" + index + "].name=" + name);
        args.add("--registry.auth.users[" + index + "].password-hash=" + BCRYPT.encode(password));
        if (groups.length > 0) {
            args.add("--registry.auth.users[" + index + "].groups=" + String.join(",", groups));
        }
        return args;
    }

    /** Arguments declaring an access rule in configuration ({@code registry.auth.rules[i]}). */
    public static List<String> declaredRule(int index, String repositories, String who, String actions) {
        List<String> args = new ArrayList<>();
        args.add("--registry.auth.rules[" + index + "].repositories=" + repositories);
        if (who.equals("anonymous")) {
            args.add("--registry.auth.rules[" + index + "].anonymous=true");
        } else if (who.startsWith("group:")) {
            args.add("--registry.auth.rules[" + index + "].groups=" + who.substring(6));
        } else {
            args.add("--registry.auth.rules[" + index + "].users=" + who);
        }
        args.add("--registry.auth.rules[" + index + "].actions=" + actions);
        return args;
    }

    public int port() {
        return Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
    }

    /** {@code 127.0.0.1:<port>}, as clients name the registry. */
    public String hostPort() {
        return "127.0.0.1:" + port();
    }

    public URI uri() {
        return URI.create("http://" + hostPort());
    }

    public Path root() {
        return root;
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    public AuthTestHttp http() {
        return new AuthTestHttp(uri());
    }

    @Override
    public void close() {
        context.close();
    }
}
