/**
 * The third step, for a delivery that failed: classifies the failure (permanent or not), schedules
 * retries in Redis ({@code RetryStore}), and writes dead letters, acknowledging the original only
 * once the dead letter is stored. Used by {@code dispatch}, {@code consumer} and the assembly; it
 * may use only {@code stream} and the packages below it.
 */
package dev.eventbus.runtime.failure;
