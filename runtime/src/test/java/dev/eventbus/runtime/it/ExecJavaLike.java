package dev.eventbus.runtime.it;

import java.util.Arrays;

/**
 * How the plugin build's {@code exec:java} (exec-maven-plugin 3.5.1) runs a main class, for a child
 * JVM: {@code main} on a thread of a group of its own, then a wait for every thread of that group
 * that is not a daemon, for as long as they run, then the build's outcome. Ends the JVM with 1 and
 * the exception's message on standard error when {@code main} threw, 0 otherwise (Maven ends its JVM
 * itself, whatever threads are left outside that group).
 *
 * <p>Arguments: the main class, then its arguments.
 */
public final class ExecJavaLike {

    private ExecJavaLike() {}

    public static void main(String[] args) throws Exception {
        Class<?> mainClass = Class.forName(args[0]);
        String[] mainArgs = Arrays.copyOfRange(args, 1, args.length);
        ThreadGroup group = new ThreadGroup("exec-java-like");
        Throwable[] thrown = new Throwable[1];
        new Thread(
                        group,
                        () -> {
                            try {
                                mainClass.getMethod("main", String[].class).invoke(null, (Object) mainArgs);
                            } catch (java.lang.reflect.InvocationTargetException e) {
                                thrown[0] = e.getCause();
                            } catch (ReflectiveOperationException e) {
                                thrown[0] = e;
                            }
                        },
                        mainClass.getSimpleName() + ".main()")
                .start();
        boolean waited;
        do {
            waited = false;
            Thread[] threads = new Thread[group.activeCount() + 8];
            int n = group.enumerate(threads);
            for (int i = 0; i < n; i++) {
                if (!threads[i].isDaemon()) {
                    threads[i].join();
                    waited = true;
                }
            }
        } while (waited);
        if (thrown[0] != null) {
            System.err.println("main failed: " + thrown[0].getMessage());
            System.exit(1);
        }
        System.exit(0);
    }
}
