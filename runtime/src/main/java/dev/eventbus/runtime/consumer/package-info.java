/**
 * The first step of delivery: one reader loop per subscription (XREADGROUP of new entries and of
 * its own history), consumer-group bootstrap, the reclaimer of entries left pending by dead
 * consumers, the retry poller, worker slots and the Redis connection. It hands each entry to
 * {@code dispatch}. Used by the assembly (and {@code admin} and {@code ops} for its state and its
 * connector); it may use {@code dispatch}, {@code failure} and the packages below them.
 */
package dev.eventbus.runtime.consumer;
