package dev.eventbus.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lettuce.core.RedisException;
import org.junit.jupiter.api.Test;

class ErrorsTest {

    /** Found from outside: a cluster failure's layout over lines showed in the log as escaped {@code \n}s. */
    @Test
    void aMessageLaidOutOverLinesIsGivenOnOne() {
        RedisException e = new RedisException("Cannot retrieve cluster partitions from [redis://a:1, redis://b:2]"
                + "\n\nDetails:\n\t[redis://a:1]: Connection refused\n\t[redis://b:2]: Connection refused\n");
        assertEquals(
                "RedisException: Cannot retrieve cluster partitions from [redis://a:1, redis://b:2] Details: "
                        + "[redis://a:1]: Connection refused [redis://b:2]: Connection refused",
                Errors.rootMessage(new IllegalStateException("wrapped", e)));
    }
}
