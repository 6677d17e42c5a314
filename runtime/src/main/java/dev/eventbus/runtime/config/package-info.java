/**
 * The configuration: {@code reference.conf} read and validated into immutable settings records
 * (unknown keys are errors). The bottom of the runtime: every package may use it; it uses no
 * other runtime package.
 */
package dev.eventbus.runtime.config;
