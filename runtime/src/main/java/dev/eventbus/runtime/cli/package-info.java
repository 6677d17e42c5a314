/**
 * The {@code eventbus} command line (picocli): {@code run}, {@code dev}, {@code status},
 * {@code dlq}, {@code replay}, {@code publish}, {@code plugins}, {@code topology},
 * {@code new-plugin}. An entry point: it may use every other package, and none may use it.
 */
package dev.eventbus.runtime.cli;
