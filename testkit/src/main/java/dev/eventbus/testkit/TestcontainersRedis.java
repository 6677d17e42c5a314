package dev.eventbus.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * A Redis image run in a Docker container by Testcontainers, for {@link RedisExtension#container}.
 *
 * <p>Testcontainers is an optional dependency of the kit: only {@link RedisExtension} loads this
 * class, and only after it has checked that Testcontainers is on the class path, so a project
 * without Testcontainers never links against it.
 *
 * <p>Thread-safe: started once, then read; {@link #close()} stops the container.
 */
final class TestcontainersRedis implements AutoCloseable {

    private static final int REDIS_PORT = 6379;

    private final String image;
    private final GenericContainer<?> container;

    private TestcontainersRedis(String image, GenericContainer<?> container) {
        this.image = image;
        this.container = container;
    }

    /**
     * Starts the image and waits until Redis accepts connections.
     *
     * @param image a Redis image, for example {@code redis:7.4}
     * @param requestedBy what asked for the container, for the error messages
     * @return the running container
     * @throws IllegalStateException when there is no Docker environment, or the container does not start
     */
    static TestcontainersRedis start(String image, String requestedBy) {
        Optional<String> noDocker = dockerProblem();
        if (noDocker.isPresent()) {
            throw new IllegalStateException(requestedBy + " runs Redis in a container, but there is no Docker"
                    + " environment (" + noDocker.get() + "); where Docker cannot run, use"
                    + " new RedisExtension() without " + RedisExtension.IMAGE_ENV + ": it starts redis-server");
        }
        GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse(image))
                .withExposedPorts(REDIS_PORT)
                // Every Redis since 2.x logs this line once it listens; a port check alone can pass
                // before the server loads its data.
                .waitingFor(Wait.forLogMessage(".*Ready to accept connections.*\\n", 1));
        try {
            container.start();
        } catch (RuntimeException e) {
            container.stop();
            throw new IllegalStateException(
                    requestedBy + ": the Redis container " + image + " did not start: " + e.getMessage(), e);
        }
        return new TestcontainersRedis(image, container);
    }

    /**
     * Asks Testcontainers for a Docker environment, as {@link #start} does.
     *
     * @return why there is none, or empty when Docker answers
     */
    static Optional<String> dockerProblem() {
        if (DockerClientFactory.instance().isDockerAvailable()) {
            return Optional.empty();
        }
        // Testcontainers logs each way it tried and throws only "see logs" (and, from the second
        // call on, "will not retry"); the two usual places say more in a test report.
        String dockerHost = System.getenv("DOCKER_HOST");
        Path socket = Path.of("/var/run/docker.sock");
        return Optional.of("Testcontainers found none; DOCKER_HOST is "
                + (dockerHost == null || dockerHost.isBlank() ? "unset" : dockerHost) + " and " + socket
                + (Files.exists(socket) ? " does not answer" : " does not exist"));
    }

    /** @return {@code redis://host:port} of the container's mapped port */
    String uri() {
        return "redis://" + container.getHost() + ":" + container.getMappedPort(REDIS_PORT);
    }

    /** @return the image this container runs */
    String image() {
        return image;
    }

    @Override
    public void close() {
        container.stop();
    }
}
