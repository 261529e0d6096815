package io.cangku.ops;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalysisReporter;

/**
 * Prints a start-up failure as one line an operator can act on, in place of Spring Boot's framed report (which
 * application.yml silences); the stack trace only with debug logging on ({@code logging.level.io.cangku.startup=debug}).
 */
final class OneLineFailureReporter implements FailureAnalysisReporter {

    private static final Logger log = LoggerFactory.getLogger("io.cangku.startup");

    @Override
    public void report(FailureAnalysis analysis) {
        String description = flatten(analysis.getDescription());
        String action = flatten(analysis.getAction());
        log.error("Cangku could not start: {}{}", description, action.isEmpty() ? "" : " " + action);
        if (log.isDebugEnabled()) {
            log.debug("start-up failure", analysis.getCause());
        }
    }

    private static String flatten(String text) {
        return text == null ? "" : text.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
