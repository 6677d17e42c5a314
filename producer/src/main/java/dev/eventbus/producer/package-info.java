/**
 * For services that publish events to Eventbus, without the runtime: the wire format's field
 * names ({@link dev.eventbus.producer.EventFields}), the layout and partition function of
 * partitioned streams ({@link dev.eventbus.producer.PartitionedStream},
 * {@link dev.eventbus.producer.SubjectHash}) and a publisher on Lettuce
 * ({@link dev.eventbus.producer.EventPublisher}). README, "Partitioned streams".
 */
package dev.eventbus.producer;
