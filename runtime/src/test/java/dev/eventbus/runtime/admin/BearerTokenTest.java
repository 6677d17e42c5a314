package dev.eventbus.runtime.admin;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BearerTokenTest {

    @Test
    void onlyTheExactTokenPasses() {
        BearerToken token = new BearerToken("s3cret");
        assertTrue(token.required());
        assertTrue(token.accepts("Bearer s3cret"));
        assertTrue(token.accepts("bearer s3cret"));
        assertFalse(token.accepts("Bearer s3cre"));
        assertFalse(token.accepts("Bearer s3cret2"));
        assertFalse(token.accepts("s3cret"));
        assertFalse(token.accepts("Basic s3cret"));
        assertFalse(token.accepts(""));
        assertFalse(token.accepts(null));
    }

    @Test
    void noTokenConfiguredMeansNoCheck() {
        BearerToken none = new BearerToken("");
        assertFalse(none.required());
        assertTrue(none.accepts(null));
    }
}
