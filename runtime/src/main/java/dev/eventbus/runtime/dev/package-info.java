/**
 * What {@code eventbus dev} needs beyond the runtime: sample services run as child JVMs. Used by
 * {@code cli} only; uses nothing of the runtime.
 */
package dev.eventbus.runtime.dev;
