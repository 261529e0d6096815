package io.cangku.console.web;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The audit log's action filter offers every action the registry records: the action literals of every
 * {@code audit.record(actor, action, ...)} call in the sources (and of the console's policy forms, which pass
 * theirs through one helper) are all among {@link AccessPages#KNOWN_AUDIT_ACTIONS}.
 */
class AuditActionsTest {

    private static final Pattern RECORD = Pattern.compile("audit\\.record\\(\\s*[^,]+,\\s*([^,]+),");
    private static final Pattern POLICY_FORM = Pattern.compile("(?:done\\(viewer,\\s*|deleted\\([^,]+,\\s*\"[^\"]+\",\\s*)\"([a-z-]+)\"");
    private static final Pattern LITERAL = Pattern.compile("\"([a-z-]+)\"");

    @Test
    @DisplayName("every action recorded in the audit log can be chosen in the console's audit filter")
    void filterOffersEveryRecordedAction() throws IOException {
        // given
        Set<String> recorded = new TreeSet<>();
        try (Stream<Path> sources = Files.walk(Path.of("src/main/java"))) {
            for (Path source : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
                String text = Files.readString(source);
                Matcher call = RECORD.matcher(text);
                while (call.find()) {
                    Matcher literal = LITERAL.matcher(call.group(1));
                    while (literal.find()) {
                        recorded.add(literal.group(1));
                    }
                }
                Matcher form = POLICY_FORM.matcher(text);
                while (form.find()) {
                    recorded.add(form.group(1));
                }
            }
        }

        // then: the scan finds the calls (so it cannot pass by finding nothing), and the filter lists each action
        assertThat(recorded).contains("login", "push", "save-quota", "delete-immutable-tag-rule");
        assertThat(AccessPages.KNOWN_AUDIT_ACTIONS).containsAll(recorded);
    }
}
