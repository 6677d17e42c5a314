package dev.eventbus.runtime.plugin;

import dev.eventbus.runtime.plugin.AdmissionException.Stage;
import org.pf4j.ExtensionFactory;

/**
 * Creates each handler (PF4J extension) anew through its public no-argument constructor. A class
 * that cannot be created (no such constructor, the constructor throws, a class it needs is missing)
 * is refused with the root cause, and no other handler is affected. Stateless; thread-safe.
 */
final class HandlerFactory implements ExtensionFactory {

    @Override
    public <T> T create(Class<T> type) {
        try {
            return type.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            throw new AdmissionException(
                    Stage.HANDLER,
                    null,
                    type.getName(),
                    "handler class " + type.getName() + " cannot be created: " + ClassLoadFailure.reason(e),
                    e);
        }
    }
}
