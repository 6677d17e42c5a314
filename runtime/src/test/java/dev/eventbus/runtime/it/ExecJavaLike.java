package dev.eventbus.runtime.it;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How the plugin build's {@code exec:java} (exec-maven-plugin 3.5.1) runs a main class, for a child
 * JVM: loaded by a class loader over the project's class path (this JVM's, after the directories
 * the system property {@code exec-java-like.first} lists: a plugin project's {@code
 * target/classes} comes first there), with that loader as the context class loader, {@code main}
 * on a thread of a group of its own, then a wait for every thread of that group that is not a
 * daemon, for as long as they run, then the build's outcome. When {@code main} threw, it prints the
 * exception with its stack trace as the build's warning does, then {@code main failed: } and the
 * message on standard error, and ends the JVM with 1; else with 0 (Maven ends its JVM itself,
 * whatever threads are left outside that group).
 *
 * <p>Arguments: the main class, then its arguments.
 */
public final class ExecJavaLike {

    private ExecJavaLike() {}

    public static void main(String[] args) throws Exception {
        List<URL> path = new ArrayList<>();
        String first = System.getProperty("exec-java-like.first", "");
        for (String entry : (first.isEmpty() ? "" : first + File.pathSeparator)
                .concat(System.getProperty("java.class.path"))
                .split(File.pathSeparator)) {
            path.add(Path.of(entry).toUri().toURL());
        }
        URLClassLoader project = new URLClassLoader(path.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
        Class<?> mainClass = Class.forName(args[0], true, project);
        String[] mainArgs = Arrays.copyOfRange(args, 1, args.length);
        ThreadGroup group = new ThreadGroup("exec-java-like");
        Throwable[] thrown = new Throwable[1];
        Thread main = new Thread(
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
                mainClass.getSimpleName() + ".main()");
        main.setContextClassLoader(project);
        main.start();
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
            System.err.println("[WARNING]");
            thrown[0].printStackTrace();
            System.err.println("main failed: " + thrown[0].getMessage());
            System.exit(1);
        }
        System.exit(0);
    }
}
