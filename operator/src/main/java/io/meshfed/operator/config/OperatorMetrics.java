package io.meshfed.operator.config;

import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The operator SDK's metrics by controller and kind, never by object. Its Quarkus extension
 * collects them per resource by default: a counter, a timer and their histograms for every Peer —
 * at 2 000 peers tens of thousands of meters held in the heap and as many series per scrape. The
 * chart's dashboard and alerts sum by kind and controller.
 */
@Singleton
public class OperatorMetrics {
  @Produces
  @Singleton
  Metrics metrics(MeterRegistry registry) {
    return MicrometerMetrics.withoutPerResourceMetrics(registry);
  }
}
