package dev.eventbus.samples.wallet;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Publishes a batch of sample {@code wallet.topup.succeeded} events and exits.
 *
 * <pre>
 * wallet-service [--redis redis://127.0.0.1:6379] [--stream wallet] [--count 5] [--rate 10/s]
 * </pre>
 *
 * <p>Prints one line per event: {@code wallet-service: published <entry-id> order=.. wallet=.. amount=..}.
 */
public final class WalletServiceMain {

    private WalletServiceMain() {}

    /** Parsed command line. */
    record Options(String redisUri, String stream, int count, double ratePerSecond) {}

    /**
     * @param args see the class documentation
     */
    public static void main(String[] args) throws InterruptedException {
        Options options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("wallet-service: " + e.getMessage());
            System.err.println(usage());
            System.exit(2);
            return;
        }
        if (options == null) {
            System.out.println(usage());
            return;
        }
        long pauseNanos = options.ratePerSecond() > 0 ? (long) (1e9 / options.ratePerSecond()) : 0;
        try (WalletPublisher wallet = new WalletPublisher(options.redisUri(), options.stream())) {
            long next = System.nanoTime();
            for (int i = 1; i <= options.count(); i++) {
                if (pauseNanos > 0) {
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                    next += pauseNanos;
                }
                String walletId = "w-" + (1 + ThreadLocalRandom.current().nextInt(100));
                String orderId =
                        "o-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffffL);
                long amount = 100L * (1 + ThreadLocalRandom.current().nextInt(100));
                String entryId = wallet.publishTopup(walletId, orderId, amount);
                System.out.println("wallet-service: published " + entryId + " order=" + orderId + " wallet=" + walletId
                        + " amount=" + amount + " stream=" + options.stream());
            }
        }
    }

    /**
     * @return the options, or {@code null} when help was asked for
     * @throws IllegalArgumentException on a bad argument, with a message for the user
     */
    static Options parse(String[] args) {
        String redis = "redis://127.0.0.1:6379";
        String stream = WalletPublisher.DEFAULT_STREAM;
        int count = 5;
        double rate = 0;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            if (name.equals("--help") || name.equals("-h")) {
                return null;
            }
            if (!name.equals("--redis")
                    && !name.equals("--stream")
                    && !name.equals("--count")
                    && !name.equals("--rate")) {
                throw new IllegalArgumentException("unknown argument '" + arg + "'");
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(name + " needs a value");
                }
                value = args[++i];
            }
            switch (name) {
                case "--redis" -> redis = value;
                case "--stream" -> {
                    if (value.isBlank()) {
                        throw new IllegalArgumentException("--stream must not be blank");
                    }
                    stream = value;
                }
                case "--count" -> {
                    try {
                        count = Integer.parseInt(value);
                    } catch (NumberFormatException e) {
                        count = -1;
                    }
                    if (count < 0) {
                        throw new IllegalArgumentException("--count must be a number >= 0, was '" + value + "'");
                    }
                }
                default -> rate = parseRate(value);
            }
        }
        return new Options(redis, stream, count, rate);
    }

    /** Parses {@code 10/s}, {@code 10} or {@code 0.5/s}. */
    static double parseRate(String value) {
        String number = value.endsWith("/s") ? value.substring(0, value.length() - 2) : value;
        double rate;
        try {
            rate = Double.parseDouble(number.trim());
        } catch (NumberFormatException e) {
            rate = -1;
        }
        if (!(rate > 0) || Double.isInfinite(rate)) {
            throw new IllegalArgumentException(
                    "--rate must be a positive number of events per second like 10/s, was '" + value + "'");
        }
        return rate;
    }

    private static String usage() {
        return "usage: wallet-service [--redis URI] [--stream NAME] [--count N] [--rate N/s]\n"
                + "  --redis   Redis to publish to (default redis://127.0.0.1:6379)\n"
                + "  --stream  stream key (default wallet)\n"
                + "  --count   events to publish (default 5)\n"
                + "  --rate    events per second (default: as fast as possible)";
    }
}
