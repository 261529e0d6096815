package io.cangku.testing;

import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a test that needs external programs (skopeo, podman, dockerd, ...). On a developer's machine
 * without them the test is skipped with the reason; under {@code CI=true} a missing program fails it,
 * because CI must exercise every real client. Inherited, so an abstract group of tests in a contract class
 * can declare what it needs once for every concrete subclass.
 */
@Inherited
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RequiredToolExtension.class)
public @interface RequiresTool {

    /** Program names looked up on the PATH. */
    String[] value();
}
