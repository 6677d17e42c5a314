/**
 * What a plugin's build records about it, so that tools can describe a plugin JAR without running
 * its code: {@link dev.eventbus.api.build.HandlerDescriptor} writes the handlers' declarations into
 * the JAR ({@code eventbus-plugin-parent} runs it after compiling). Not for use by handlers.
 */
package dev.eventbus.api.build;
