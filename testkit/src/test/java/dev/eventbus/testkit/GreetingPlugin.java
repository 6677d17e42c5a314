package dev.eventbus.testkit;

import org.pf4j.Plugin;

/** A {@code Plugin-Class} fixture: records its start in a system property, visible across class loaders. */
public class GreetingPlugin extends Plugin {

    static final String STARTED = "eventbus.testkit.greeting-plugin.started";

    @Override
    public void start() {
        System.setProperty(STARTED, getClass().getClassLoader().getClass().getName());
    }
}
