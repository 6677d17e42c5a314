package dev.eventbus.testkit;

import java.util.Optional;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a test class only where Testcontainers finds Docker, and otherwise reports it skipped with
 * Testcontainers' reason. Only the absence of Docker skips: a container that fails to start where
 * Docker runs fails the test. Used by the one test of the container path, since the project's own
 * build machine has no Docker.
 */
final class RequiresDocker implements ExecutionCondition {

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        Optional<String> problem = TestcontainersRedis.dockerProblem();
        return problem.isPresent()
                ? ConditionEvaluationResult.disabled("no Docker environment: " + problem.get())
                : ConditionEvaluationResult.enabled("Docker answers");
    }
}
