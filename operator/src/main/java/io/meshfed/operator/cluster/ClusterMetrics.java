package io.meshfed.operator.cluster;

import io.meshfed.api.v1alpha1.PeerCounts;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code meshfed_peers{namespace, cluster, phase}}: each cluster's peers by phase, as its status
 * counts them.
 */
@Singleton
public class ClusterMetrics {
  static final String PEERS = "meshfed.peers";

  private final MeterRegistry registry;
  private final Map<String, Map<String, AtomicInteger>> byCluster = new ConcurrentHashMap<>();

  public ClusterMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  public void record(String namespace, String cluster, PeerCounts counts) {
    Map<String, AtomicInteger> gauges =
        byCluster.computeIfAbsent(
            namespace + "/" + cluster,
            k -> {
              Map<String, AtomicInteger> made = new LinkedHashMap<>();
              for (String phase :
                  new String[] {
                    "Pending",
                    "Provisioning",
                    "Joining",
                    "Ready",
                    "NotReady",
                    "Terminating",
                    "Failed"
                  }) {
                AtomicInteger value = new AtomicInteger();
                Gauge.builder(PEERS, value, AtomicInteger::get)
                    .description("Peers of a mesh cluster by phase")
                    .tag("namespace", namespace)
                    .tag("cluster", cluster)
                    .tag("phase", phase)
                    .register(registry);
                made.put(phase, value);
              }
              return made;
            });
    gauges.get("Pending").set(counts.getPending());
    gauges.get("Provisioning").set(counts.getProvisioning());
    gauges.get("Joining").set(counts.getJoining());
    gauges.get("Ready").set(counts.getReady());
    gauges.get("NotReady").set(counts.getNotReady());
    gauges.get("Terminating").set(counts.getTerminating());
    gauges.get("Failed").set(counts.getFailed());
  }

  /** When the cluster's join token expires, seconds since the epoch (absent: no expiry). */
  static final String JOIN_TOKEN_EXPIRY = "meshfed.join.token.expiry";

  private final Map<String, AtomicLong> tokenExpiries = new ConcurrentHashMap<>();

  public void joinTokenExpiry(String namespace, String cluster, String expiresAt) {
    if (expiresAt == null) {
      return;
    }
    long seconds;
    try {
      seconds = Instant.parse(expiresAt).getEpochSecond();
    } catch (DateTimeParseException e) {
      return;
    }
    tokenExpiries
        .computeIfAbsent(
            namespace + "/" + cluster,
            k -> {
              AtomicLong value = new AtomicLong();
              Gauge.builder(JOIN_TOKEN_EXPIRY, value, AtomicLong::get)
                  .description("When the cluster's join token expires, seconds since the epoch")
                  .baseUnit("seconds")
                  .tag("namespace", namespace)
                  .tag("cluster", cluster)
                  .register(registry);
              return value;
            })
        .set(seconds);
  }

  /** The cluster is gone: so are its gauges. */
  public void forget(String namespace, String cluster) {
    if (byCluster.remove(namespace + "/" + cluster) != null) {
      registry
          .find(PEERS)
          .tag("namespace", namespace)
          .tag("cluster", cluster)
          .meters()
          .forEach(registry::remove);
    }
    if (tokenExpiries.remove(namespace + "/" + cluster) != null) {
      registry
          .find(JOIN_TOKEN_EXPIRY)
          .tag("namespace", namespace)
          .tag("cluster", cluster)
          .meters()
          .forEach(registry::remove);
    }
  }
}
