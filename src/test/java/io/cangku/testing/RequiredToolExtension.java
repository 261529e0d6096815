package io.cangku.testing;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Evaluates {@link RequiresTool}: skip with a reason locally, fail under {@code CI=true}. */
public class RequiredToolExtension implements ExecutionCondition {

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        List<String> missing = new ArrayList<>();
        context.getElement().flatMap(e -> AnnotationSupport.findAnnotation(e, RequiresTool.class))
                .ifPresent(a -> collectMissing(a, missing));
        context.getTestClass().flatMap(c -> AnnotationSupport.findAnnotation(c, RequiresTool.class))
                .ifPresent(a -> collectMissing(a, missing));
        if (missing.isEmpty()) {
            return ConditionEvaluationResult.enabled("required tools present");
        }
        String reason = "needs " + String.join(", ", missing) + " on the PATH (.ci/run installs them)";
        if (isCi()) {
            throw new IllegalStateException("CI=true but " + reason);
        }
        return ConditionEvaluationResult.disabled(reason);
    }

    public static boolean isCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** The program's path on the PATH, if any. */
    public static Optional<Path> which(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, program);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static void collectMissing(RequiresTool annotation, List<String> missing) {
        for (String tool : annotation.value()) {
            if (which(tool).isEmpty() && !missing.contains(tool)) {
                missing.add(tool);
            }
        }
    }
}
