package io.cangku.storage.s3;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The AWS SDK stays inside the S3 backend, so the rest of Cangku never depends on it. */
class S3IsolationTest {

    @Test
    @DisplayName("nothing outside io.cangku.storage.s3 uses the AWS SDK")
    void sdkStaysInTheBackend() {
        noClasses().that().resideOutsideOfPackage("io.cangku.storage.s3..")
                .should().dependOnClassesThat().resideInAPackage("software.amazon.awssdk..")
                .check(new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                        .importPackages("io.cangku"));
    }
}
