/**
 * Metrics of deliveries, subscriptions and gRPC calls (Dropwizard, exposed as Prometheus text and
 * JMX). Used by {@code admin} only; it observes the runtime through {@code DeliveryObserver} and its
 * {@code RuntimeView}, and reads stream state through {@code ops}.
 */
package dev.eventbus.runtime.metrics;
