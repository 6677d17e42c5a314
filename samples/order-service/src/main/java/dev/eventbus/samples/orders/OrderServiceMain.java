package dev.eventbus.samples.orders;

import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the sample order service until SIGTERM (or Ctrl-C).
 *
 * <pre>
 * java -cp ... dev.eventbus.samples.orders.OrderServiceMain [--port 50051]
 * </pre>
 *
 * <p>Prints {@code order-service listening on 127.0.0.1:<port>} once the server accepts calls (a
 * parent process may wait for that line), then one line per call received.
 */
public final class OrderServiceMain {

    /** The port when {@code --port} is not given. */
    public static final int DEFAULT_PORT = 50051;

    private OrderServiceMain() {}

    /**
     * @param args {@code --port N} (0 for a free port; default 50051)
     */
    public static void main(String[] args) throws InterruptedException {
        int port = DEFAULT_PORT;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--port") && i + 1 < args.length) {
                port = parsePort(args[++i]);
            } else if (arg.startsWith("--port=")) {
                port = parsePort(arg.substring("--port=".length()));
            } else if (arg.equals("--help") || arg.equals("-h")) {
                System.out.println("usage: order-service [--port N]   (default " + DEFAULT_PORT + "; 0 = a free port)");
                return;
            } else {
                System.err.println("order-service: unknown argument '" + arg + "' (usage: order-service [--port N])");
                System.exit(2);
            }
        }

        PrintStream out = System.out;
        OrderServer server = OrderServer.start(port);
        server.onCall(call -> {
            synchronized (out) {
                out.println(line(call));
                out.flush();
            }
        });
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            server.stop();
                            synchronized (out) {
                                out.println("order-service stopped");
                                out.flush();
                            }
                            stopped.countDown();
                        },
                        "order-service-shutdown"));
        synchronized (out) {
            out.println("order-service listening on " + server.target());
            out.flush();
        }
        stopped.await();
    }

    /**
     * The printout of one call.
     *
     * @param call the call
     * @return {@code order-service: MarkPaid order=.. wallet=.. amount=.. key=.. attempt=.. applied=..}
     */
    static String line(OrderServer.ReceivedCall call) {
        String line = "order-service: MarkPaid order=" + call.orderId() + " wallet=" + call.walletId()
                + " amount=" + call.amountCents() + " key=" + call.idempotencyKey()
                + " attempt=" + call.attempt() + " applied=" + call.applied();
        if (call.behaviour() != OrderServer.Behaviour.OK) {
            line += " behaviour=" + call.behaviour();
        }
        return line;
    }

    private static int parsePort(String value) {
        try {
            int port = Integer.parseInt(value);
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return port;
        } catch (NumberFormatException e) {
            System.err.println("order-service: --port must be 0..65535, was '" + value + "'");
            System.exit(2);
            return -1;
        }
    }
}
