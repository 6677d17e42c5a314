package dev.eventbus.runtime.dispatch;

/**
 * Runs the call with the handler's plugin class loader as the thread's context class loader, and
 * restores the worker's own afterwards: libraries that load by the context class loader then find
 * the plugin's classes, and a worker never carries one plugin's loader into another's call.
 */
final class ContextClassLoaderStep implements HandlerCall.Step {

    @Override
    public HandlerCall around(HandlerCall next) {
        return invocation -> {
            Thread worker = Thread.currentThread();
            ClassLoader previous = worker.getContextClassLoader();
            worker.setContextClassLoader(invocation.subscription().handler().classLoader());
            try {
                next.call(invocation);
            } finally {
                worker.setContextClassLoader(previous);
            }
        };
    }
}
