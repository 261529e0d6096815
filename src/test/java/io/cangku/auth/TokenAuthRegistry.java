package io.cangku.auth;

import io.cangku.testing.Backends;
import io.cangku.testing.RegistryContext;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The whole registry with token authentication on, on filesystem storage, listening on a free port: a
 * {@link RegistryContext}, so that a test can restart it on the same storage, run two of them side by side,
 * and share one between {@code @Nested} classes. Users and rules are declared in configuration:
 *
 * <pre>{@code
 * TokenAuthRegistry registry = TokenAuthRegistry.with()
 *         .user("alice", "alice-password", "team-a")
 *         .rule("team-a/**", "group:team-a", "pull,push")
 *         .rule("public/**", "anonymous", "pull")
 *         .start();
 * }</pre>
 */
public final class TokenAuthRegistry implements AutoCloseable {

    public static final String ADMIN = "admin";
    public static final String ADMIN_PASSWORD = "admin-secret-0xC0FFEE";

    private static final BCryptPasswordEncoder BCRYPT = new BCryptPasswordEncoder();

    private final RegistryContext context;
    private final Path root;

    private TokenAuthRegistry(RegistryContext context, Path root) {
        this.context = context;
        this.root = root;
    }

    /** A registry on fresh storage, with the administrator's password set to {@link #ADMIN_PASSWORD}. */
    public static TokenAuthRegistry start() {
        return with().start();
    }

    /** Settings to start a registry with: users, rules and other arguments. */
    public static Settings with() {
        return new Settings();
    }

    /** What a registry starts with, as command-line arguments; users and rules are numbered in order. */
    public static final class Settings {

        private final List<String> arguments = new ArrayList<>();
        private int users;
        private int rules;

        private Settings() {
        }

        /** Any other setting, as {@code --name=value}. */
        public Settings set(String argument) {
            arguments.add(argument);
            return this;
        }

        /** The administrator's password ({@code registry.auth.admin.password}), for {@link #startOn}. */
        public Settings adminPassword(String password) {
            return set("--registry.auth.admin.password=" + password);
        }

        /**
         * A user declared in configuration ({@code registry.auth.users[i]}), hashed with the same bcrypt cost
         * the registry uses for its own accounts.
         */
        public Settings user(String name, String password, String... groups) {
            int index = users++;
            arguments.add("--registry.auth.users[" + index + "].name=" + name);
            arguments.add("--registry.auth.users[" + index + "].password-hash=" + BCRYPT.encode(password));
            if (groups.length > 0) {
                arguments.add("--registry.auth.users[" + index + "].groups=" + String.join(",", groups));
            }
            return this;
        }

        /** An access rule ({@code registry.auth.rules[i]}) for a user, {@code group:<name>} or {@code anonymous}. */
        public Settings rule(String repositories, String who, String actions) {
            int index = rules++;
            arguments.add("--registry.auth.rules[" + index + "].repositories=" + repositories);
            if (who.equals("anonymous")) {
                arguments.add("--registry.auth.rules[" + index + "].anonymous=true");
            } else if (who.startsWith("group:")) {
                arguments.add("--registry.auth.rules[" + index + "].groups=" + who.substring(6));
            } else {
                arguments.add("--registry.auth.rules[" + index + "].users=" + who);
            }
            arguments.add("--registry.auth.rules[" + index + "].actions=" + actions);
            return this;
        }

        /** Starts on fresh storage, with the administrator's password set to {@link #ADMIN_PASSWORD}. */
        public TokenAuthRegistry start() {
            List<String> all = new ArrayList<>(List.of("--registry.auth.admin.password=" + ADMIN_PASSWORD));
            all.addAll(arguments);
            return startWith(Backends.newTempDir("cangku-auth-"), all);
        }

        /**
         * Starts on the given storage root with exactly these settings: no administrator's password unless
         * {@link #adminPassword} gives one. Token authentication is on because it is the default: nothing here sets
         * {@code registry.auth.mode}.
         */
        public TokenAuthRegistry startOn(Path root) {
            return startWith(root, arguments);
        }

        private static TokenAuthRegistry startWith(Path root, List<String> settings) {
            List<String> all = new ArrayList<>(Backends.filesystemArguments(root));
            all.addAll(settings);
            return new TokenAuthRegistry(RegistryContext.start(all), root);
        }
    }

    /** {@code 127.0.0.1:<port>}, as clients name the registry. */
    public String hostPort() {
        return context.hostPort();
    }

    public URI uri() {
        return context.uri();
    }

    public Path root() {
        return root;
    }

    public <T> T bean(Class<T> type) {
        return context.bean(type);
    }

    /** The running registry, for code that takes any {@link RegistryContext}. */
    public RegistryContext context() {
        return context;
    }

    public TokenHttp http() {
        return new TokenHttp(uri());
    }

    @Override
    public void close() {
        context.close();
    }
}
