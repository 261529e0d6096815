package io.cangku.gc;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * {@code java -jar cangku.jar gc [--dry-run] [--delete-untagged]}: one collection against the configured
 * storage, without a web server, while the registry itself may keep running (a Kubernetes CronJob runs
 * this). Prints the run's record (with its report) as JSON on stdout, and nothing else there: its log
 * lines go to stderr, so {@code gc | jq .} works.
 *
 * <p>Exit codes: 0 the run finished (its report may still list errors: what it could not read it kept),
 * 1 the run failed, 2 a usage error, 75 another collection holds the lease (try again later).
 */
public final class GcCommand {

    public static final String NAME = "gc";
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_BUSY = 75;

    private GcCommand() {
    }

    /** Runs the command; {@code args[0]} is {@code gc}. Returns the process's exit code. */
    public static int run(Class<?> application, String[] args, PrintStream out, PrintStream err) {
        boolean dryRun = false;
        boolean deleteUntagged = false;
        List<String> springArgs = new java.util.ArrayList<>();
        for (String arg : List.of(args).subList(1, args.length)) {
            switch (arg) {
                case "--dry-run" -> dryRun = true;
                case "--delete-untagged" -> deleteUntagged = true;
                case "-h", "--help" -> {
                    out.println("usage: java -jar cangku.jar gc [--dry-run] [--delete-untagged] [--registry.key=value ...]");
                    return 0;
                }
                default -> {
                    if (arg.startsWith("--") && arg.contains("=")) {
                        springArgs.add(arg); // configuration, as for the server
                    } else {
                        err.println("gc: unknown argument " + arg + "; usage: gc [--dry-run] [--delete-untagged]");
                        return EXIT_USAGE;
                    }
                }
            }
        }
        SpringApplicationBuilder builder = new SpringApplicationBuilder(application)
                .web(WebApplicationType.NONE)
                .properties(Map.of("logging.level.root", "warn", "logging.level.io.cangku.gc", "info",
                        "spring.main.banner-mode", "off"));
        // stdout carries the report alone (`gc | jq .`): the console log appender, and anything else that
        // prints, writes to whatever System.out is when it writes, so point it at stderr for the run.
        PrintStream systemOut = System.out;
        System.setOut(err);
        ConfigurableApplicationContext started;
        try {
            started = builder.run(springArgs.toArray(String[]::new));
        } catch (RuntimeException e) {
            // Spring Boot has already logged the failure as one line naming the setting (ops.StartupFailureAnalyzer);
            // the exception's own message is the whole chain of bean creations, which helps no operator
            err.println("gc: could not start: see the line \"Cangku could not start\" above");
            System.setOut(systemOut);
            return EXIT_FAILED;
        }
        try (ConfigurableApplicationContext context = started) {
            CollectionRuns runs = context.getBean(CollectionRuns.class);
            JsonMapper json = context.getBean(JsonMapper.class).rebuild().enable(SerializationFeature.INDENT_OUTPUT).build();
            CollectionRun run = runs.runToEnd(dryRun, deleteUntagged, "gc command");
            out.println(json.writeValueAsString(run));
            out.flush();
            return run.state() == CollectionRun.State.succeeded ? 0 : EXIT_FAILED;
        } catch (CollectionRuns.AlreadyRunningException e) {
            err.println("gc: " + e.getMessage() + "; try again later");
            return EXIT_BUSY;
        } catch (Exception e) {
            err.println("gc: " + e.getMessage());
            return EXIT_FAILED;
        } finally {
            System.setOut(systemOut);
        }
    }
}
