/**
 * The runtime's assembly: {@link dev.eventbus.runtime.EventbusRuntime} wires the parts below and
 * owns their start and stop order; {@code Main} hands the command line to {@code cli}. Used by the
 * entry points ({@code cli}, {@code admin}) and by {@code metrics} (through {@code RuntimeView});
 * it uses the delivery path and everything under it. The package direction is checked by
 * {@code ArchitectureTest}.
 */
package dev.eventbus.runtime;
