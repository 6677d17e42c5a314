package dev.eventbus.runtime;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import dev.eventbus.runtime.admin.AdminSurface;
import dev.eventbus.runtime.cli.EventbusCommand;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package direction (each runtime package's {@code package-info.java} and the README's
 * "Project layout" say it in words), checked on the compiled classes, so a shortcut
 * against it is a red build rather than a review remark. Each row of {@link #LEVELS} may use the
 * rows below it and nothing above or beside it: the entry points, then the runtime's assembly,
 * then the delivery path in the order an event passes (consumer, dispatch, failure), then what they
 * share (stream), the plugin host and the gRPC channels, and at the bottom config and internal.
 */
class ArchitectureTest {

    private static final String RUNTIME = "dev.eventbus.runtime";

    /** Top to bottom; packages on one row may not use each other. */
    private static final List<List<String>> LEVELS = List.of(
            List.of("cli"),
            List.of("dev", "admin"),
            List.of("metrics"),
            List.of("ops"),
            List.of("(assembly)"),
            List.of("consumer"),
            List.of("ownership"),
            List.of("dispatch"),
            List.of("failure"),
            List.of("stream"),
            List.of("plugin"),
            List.of("rpc"),
            List.of("config", "internal"));

    private static JavaClasses runtime;
    private static JavaClasses pluginApi;

    @BeforeAll
    static void importClasses() {
        runtime = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(RUNTIME);
        pluginApi = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.eventbus.api");
    }

    @Test
    void packagesDependOnlyDownward() {
        packageDirection().check(runtime);
    }

    @Test
    void everyRuntimePackageHasALevel() {
        // A new package must be placed in LEVELS, or the direction rule would not see it.
        List<String> placed = LEVELS.stream()
                .flatMap(List::stream)
                .map(p -> p.equals("(assembly)") ? RUNTIME : RUNTIME + "." + p)
                .toList();
        classes()
                .that()
                .resideInAPackage(RUNTIME + "..")
                .should()
                .resideInAnyPackage(placed.stream()
                        .map(p -> p.equals(RUNTIME) ? p : p + "..")
                        .toArray(String[]::new))
                .because("every runtime package needs a row in ArchitectureTest.LEVELS")
                .check(runtime);
    }

    @Test
    void theAdminSideReadsTheRuntimeThroughItsView() {
        noClasses()
                .that()
                .resideInAnyPackage(RUNTIME + ".admin..", RUNTIME + ".metrics..")
                .and(DescribedPredicate.not(JavaClass.Predicates.belongToAnyOf(AdminSurface.class)))
                .should()
                .dependOnClassesThat()
                .belongToAnyOf(EventbusRuntime.class)
                .because("health, status, the admin API and the metrics read the runtime through RuntimeView; "
                        + "AdminSurface alone makes the runtime and hands its view on")
                .check(runtime);
    }

    @Test
    void opsMeansTheOperatorToolsOnly() {
        classes()
                .that()
                .resideInAPackage(RUNTIME + "..")
                .and()
                .haveSimpleNameStartingWith("Ops")
                .should()
                .resideInAPackage(RUNTIME + ".ops")
                .because("\"ops\" names the operator tools of the ops package and nothing else")
                .check(runtime);
    }

    @Test
    void runtimeDoesNotUseTheTestKit() {
        noClasses()
                .that()
                .resideInAPackage(RUNTIME + "..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.eventbus.testkit..")
                .because("the test kit is for tests; the runtime's dev mode uses dev.eventbus.redis")
                .check(runtime);
    }

    @Test
    void pluginApiDependsOnNoEventbusModule() {
        noClasses()
                .that()
                .resideInAPackage("dev.eventbus.api..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(RUNTIME + "..", "dev.eventbus.testkit..", "dev.eventbus.redis..")
                .because("plugins compile against the plugin API alone")
                .check(pluginApi);
    }

    static LayeredArchitecture packageDirection() {
        LayeredArchitecture layers = layeredArchitecture().consideringOnlyDependenciesInLayers();
        for (List<String> level : LEVELS) {
            for (String name : level) {
                layers = name.equals("(assembly)")
                        ? layers.layer(name).definedBy(RUNTIME)
                        : layers.layer(name).definedBy(RUNTIME + "." + name + "..");
            }
        }
        List<String> above = new ArrayList<>();
        for (List<String> level : LEVELS) {
            for (String name : level) {
                layers = above.isEmpty()
                        ? layers.whereLayer(name).mayNotBeAccessedByAnyLayer()
                        : layers.whereLayer(name).mayOnlyBeAccessedByLayers(above.toArray(String[]::new));
            }
            above.addAll(level);
        }
        // The program's entry: Main, in the assembly's package, hands the command line to cli.
        return layers.ignoreDependency(Main.class, EventbusCommand.class);
    }
}
