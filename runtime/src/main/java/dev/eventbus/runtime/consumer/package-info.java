/**
 * The first step of delivery: each running subscription is one {@code StreamConsumer} (built by
 * {@code StreamConsumerFactory}), the owner of its reader loop ({@code StreamReader}: XREADGROUP of
 * new entries and of its own history), its retry poller, its reclaimer of entries left pending by
 * dead consumers, its entry slots and read-ahead bytes, and its way into {@code dispatch} with its
 * ordering lanes. Also consumer-group bootstrap, a group's backlog on a key ({@code GroupBacklog})
 * and the Redis connection. Used by the assembly (and
 * {@code cli}, {@code admin}, {@code metrics} and {@code ops} for its state, its connector and the
 * node a stream lives on); it may use {@code ownership} (a partition's lease gates its reads and
 * dispatches), {@code dispatch}, {@code failure} and the packages below them.
 */
package dev.eventbus.runtime.consumer;
