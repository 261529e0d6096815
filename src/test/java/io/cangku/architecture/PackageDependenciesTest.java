package io.cangku.architecture;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

/**
 * Keeps the dependency arrows of STYLE.md pointing inward: HTTP at the edge (api, console), registry
 * semantics in the middle, the storage SPI at the core, and AWS only inside its backend.
 */
@AnalyzeClasses(packages = "io.cangku", importOptions = ImportOption.DoNotIncludeTests.class)
class PackageDependenciesTest {

    @ArchTest
    static final ArchRule layers = layeredArchitecture().consideringOnlyDependenciesInLayers()
            .layer("oci").definedBy("io.cangku.oci..")
            .layer("storage").definedBy("io.cangku.storage..")
            .layer("registry").definedBy("io.cangku.registry..")
            .layer("auth").definedBy("io.cangku.auth..")
            .layer("api").definedBy("io.cangku.api..")
            .layer("console").definedBy("io.cangku.console..")
            .layer("policy").definedBy("io.cangku.policy..")
            .layer("quota").definedBy("io.cangku.quota..")
            .layer("events").definedBy("io.cangku.events..")
            .layer("config").definedBy("io.cangku.config..")
            .layer("ops").definedBy("io.cangku.ops..")
            .whereLayer("config").mayNotBeAccessedByAnyLayer()
            // config wires features together (STYLE.md: it may depend on any feature), e.g. the /v2 answer of ops's readiness gate
            .whereLayer("ops").mayOnlyBeAccessedByLayers("config")
            .whereLayer("api").mayOnlyBeAccessedByLayers("config")
            .whereLayer("console").mayOnlyBeAccessedByLayers("config")
            .whereLayer("quota").mayOnlyBeAccessedByLayers("console", "config")
            .whereLayer("policy").mayOnlyBeAccessedByLayers("console", "quota", "config")
            .whereLayer("events").mayOnlyBeAccessedByLayers("console", "config")
            .whereLayer("auth").mayOnlyBeAccessedByLayers("api", "console", "policy", "events", "config")
            .whereLayer("registry").mayOnlyBeAccessedByLayers("api", "console", "policy", "quota", "events", "config")
            .whereLayer("storage").mayOnlyBeAccessedByLayers("registry", "auth", "console", "policy", "quota", "events", "config", "ops");

    @ArchTest
    static final ArchRule awsOnlyInItsBackend = noClasses().that().resideOutsideOfPackage("io.cangku.storage.s3..")
            .should().dependOnClassesThat().resideInAPackage("software.amazon.awssdk..")
            .because("backend code stays in its own package (STYLE.md §1)");

    @ArchTest
    static final ArchRule storageKnowsNoHttp = noClasses().that().resideInAnyPackage("io.cangku.storage..", "io.cangku.registry..", "io.cangku.oci..")
            .should().dependOnClassesThat().resideInAnyPackage("jakarta.servlet..", "org.springframework.web..", "org.springframework.http..")
            .because("only api, auth's token endpoint and console speak HTTP");

    @ArchTest
    static final ArchRule backendsAreIndependent = noClasses().that().resideInAPackage("io.cangku.storage.filesystem..")
            .should().dependOnClassesThat().resideInAPackage("io.cangku.storage.s3..");
}
