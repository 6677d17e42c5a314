package dev.eventbus.redis;

/** Starts a server and exits without stopping it, for {@link RedisServerTest#noServerOutlivesTheJvm}. */
public final class OrphanedServerMain {

    private OrphanedServerMain() {}

    public static void main(String[] args) {
        RedisServer server = RedisServer.start();
        System.out.println("pid=" + server.pid());
    }
}
