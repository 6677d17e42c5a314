/**
 * The third step, for a delivery that failed: classifies the failure (permanent or not), schedules
 * retries in Redis ({@code RetryStore}), and writes dead letters, each with the acknowledgement of
 * its original in one atomic step and at most once per entry. Used by {@code dispatch}, {@code consumer} and the assembly; it
 * may use only {@code stream} and the packages below it.
 */
package dev.eventbus.runtime.failure;
