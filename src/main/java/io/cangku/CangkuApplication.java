package io.cangku;

import io.cangku.gc.GcCommand;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.util.ClassUtils;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;

/** Cangku: a private OCI image registry. Features live in the subpackages; see package-info.java in each. */
// Users live in registry storage (auth package), never in Boot's generated in-memory user.
@SpringBootApplication(exclude = UserDetailsServiceAutoConfiguration.class)
@ConfigurationPropertiesScan
@EnableScheduling
public class CangkuApplication {

    /** Spring's switch for the bean definitions Spring AOT generated at build time. */
    static final String AOT_ENABLED = "spring.aot.enabled";

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals(GcCommand.NAME)) {
            // The build-time definitions are the server's (web server, schedules, console): the command builds
            // its context from the configuration classes, even when the options the container passes to every
            // java process turn the definitions on.
            System.setProperty(AOT_ENABLED, "false");
            System.exit(GcCommand.run(CangkuApplication.class, args, System.out, System.err));
        }
        useBuildTimeBeanDefinitions();
        SpringApplication.run(CangkuApplication.class, args);
    }

    /**
     * The server starts from the bean definitions {@code mvn package} generated (Spring AOT, the plugin's
     * {@code process-aot} goal) when it runs from the packaged jar, unless {@code -Dspring.aot.enabled} says
     * otherwise: they spare it parsing configuration classes and evaluating conditions at every start.
     *
     * <p>Not when it runs from a classes folder ({@code spring-boot:run}, an IDE): the generated classes there
     * can be older than the code beside them, and a stale bean definition would be silently wrong. The
     * {@code gc} command never uses them (see {@link #main}).
     */
    static void useBuildTimeBeanDefinitions() {
        if (System.getProperty(AOT_ENABLED) == null && runsFromJar()
                && ClassUtils.isPresent(CangkuApplication.class.getName() + "__ApplicationContextInitializer",
                CangkuApplication.class.getClassLoader())) {
            System.setProperty(AOT_ENABLED, "true");
        }
    }

    private static boolean runsFromJar() {
        URL location = CangkuApplication.class.getProtectionDomain().getCodeSource().getLocation();
        try {
            return !"file".equals(location.getProtocol()) || !Files.isDirectory(Path.of(location.toURI()));
        } catch (URISyntaxException | IllegalArgumentException e) {
            return true;
        }
    }
}
