package io.cangku;

import io.cangku.gc.GcCommand;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/** Cangku: a private OCI image registry. Features live in the subpackages; see package-info.java in each. */
// Users live in registry storage (auth package), never in Boot's generated in-memory user.
@SpringBootApplication(exclude = UserDetailsServiceAutoConfiguration.class)
@ConfigurationPropertiesScan
@EnableScheduling
public class CangkuApplication {

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals(GcCommand.NAME)) {
            System.exit(GcCommand.run(CangkuApplication.class, args, System.out, System.err));
        }
        SpringApplication.run(CangkuApplication.class, args);
    }
}
