/**
 * The second step: each running subscription opens a {@code SubscriptionDispatch} on the shared
 * {@code Dispatcher}, which hands its entries to the subscription's workers ({@code WorkerPool},
 * max-in-flight; per-subject lanes for ordered handlers), where {@code DeliveryPipeline} takes each
 * to its outcome in small steps: {@code Admission} (decode, skip), the handler call through
 * {@code HandlerCall.Step}s (class loader, logging context, interrupts, timing), then
 * {@code OnSuccess} (acknowledge) or {@code OnFailure} (hand it to {@code failure}); the
 * {@code Watchdog} interrupts and abandons calls past their timeout. Used by {@code consumer} and
 * the assembly; it may use {@code failure} and the packages below it, never {@code consumer}.
 */
package dev.eventbus.runtime.dispatch;
