/**
 * Operator tools ("ops" in this code base means these, and only these) that work on Redis without
 * a running runtime: status, dead letters (list, redrive, discard), replay, publish, topology, the
 * audit log, and {@link dev.eventbus.runtime.ops.FailFastRedis}. Used by {@code cli}, {@code admin}
 * and {@code metrics}; it may use the assembly and the packages below it.
 */
package dev.eventbus.runtime.ops;
