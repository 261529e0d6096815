package io.cangku.ops;

import io.cangku.storage.StorageConfiguration;
import io.cangku.storage.StorageStartup;
import io.cangku.storage.UnknownStorageTypeException;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.NotDirectoryException;
import java.util.Optional;

/**
 * Turns a misconfiguration into one sentence that names the setting and what is wrong with it, ahead of Spring
 * Boot's own analyzers, whose reports run over many lines. {@link OneLineFailureReporter} prints it. Failures that are no misconfiguration are left to Boot.
 */
final class StartupFailureAnalyzer implements FailureAnalyzer, Ordered {

    private final Environment environment;

    StartupFailureAnalyzer(Environment environment) {
        this.environment = environment;
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    @Override
    public FailureAnalysis analyze(Throwable failure) {
        String line = describe(failure);
        return line == null ? null : new FailureAnalysis(line, null, failure);
    }

    private String describe(Throwable failure) {
        Optional<UnknownStorageTypeException> unknown = find(failure, UnknownStorageTypeException.class);
        if (unknown.isPresent()) {
            return unknown.get().getMessage();
        }
        Optional<BindException> bind = find(failure, BindException.class);
        if (bind.isPresent()) {
            BindException e = bind.get();
            String reason = rootMessage(e);
            if (e.getProperty() != null) {
                return e.getProperty().getName() + "=" + e.getProperty().getValue() + " is not valid: " + reason;
            }
            return reason.contains("registry.") ? reason : e.getName() + ": " + reason;
        }
        Optional<StorageStartup.StorageStartupException> startup = find(failure, StorageStartup.StorageStartupException.class);
        if (startup.isPresent()) {
            return startup.get().getMessage();
        }
        Optional<BeanCreationException> storage = findStorageBean(failure);
        if (storage.isPresent()) {
            return describeStorage(storage.get());
        }
        Throwable root = root(failure);
        if ((root instanceof IllegalArgumentException || root instanceof IllegalStateException)
                && root.getMessage() != null && root.getMessage().contains("registry.")) {
            return root.getMessage();
        }
        return null;
    }

    private String describeStorage(BeanCreationException failure) {
        if ("filesystem".equals(environment.getProperty("registry.storage.type", "filesystem"))) {
            String root = environment.getProperty("registry.storage.filesystem.root", "./data");
            String setting = "registry.storage.filesystem.root=" + root;
            if (Files.isRegularFile(Path.of(root))) {
                return setting + " is a file, not a directory";
            }
            if (find(failure, FileAlreadyExistsException.class).isPresent() || find(failure, NotDirectoryException.class).isPresent()
                    || rootMessage(failure).contains("Not a directory")) {
                return setting + " is not a directory (a file is in the way: "
                        + find(failure, FileSystemException.class).map(FileSystemException::getFile).orElse("?") + ")";
            }
            if (find(failure, AccessDeniedException.class).isPresent() || rootMessage(failure).contains("Read-only file system")) {
                return setting + " is not writable ("
                        + find(failure, FileSystemException.class).map(FileSystemException::getFile).orElse("?") + ")";
            }
            return setting + " is not usable: " + rootMessage(failure);
        }
        return "registry.storage.s3.bucket=" + environment.getProperty("registry.storage.s3.bucket") + " at "
                + environment.getProperty("registry.storage.s3.endpoint", "AWS") + ": " + rootMessage(failure);
    }

    /** The failure of the bean that is the configured store (its factory method threw). */
    private static Optional<BeanCreationException> findStorageBean(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof BeanCreationException e && StorageConfiguration.STORE_BEAN.equals(e.getBeanName())
                    && !(e.getCause() instanceof BeanCreationException)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    private static <T extends Throwable> Optional<T> find(Throwable failure, Class<T> type) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return Optional.of(type.cast(t));
            }
        }
        return Optional.empty();
    }

    private static Throwable root(Throwable failure) {
        Throwable t = failure;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    private static String rootMessage(Throwable failure) {
        Throwable root = root(failure);
        return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
    }
}
