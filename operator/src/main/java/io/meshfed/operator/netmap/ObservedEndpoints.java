package io.meshfed.operator.netmap;

import io.meshfed.api.agent.StatusReport.PeerHandshake;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

/**
 * The endpoints agents observe for their peers: the {@code endpoint} column of {@code wg show dump}
 * after a recent handshake, which behind NAT is the NAT's public side. An observation is only ever
 * a candidate for the key it was observed for, never anything else of that peer. Kept in memory
 * (agents report every few seconds; after a restart they are learnt again), a few per key,
 * forgotten when nobody has seen them for a while.
 */
@Singleton
public class ObservedEndpoints {
  /** A handshake older than this says nothing of where the peer is now. */
  static final Duration FRESH = Duration.ofMinutes(3);

  /** Endpoints kept per key: the most recently seen. */
  static final int KEEP = 3;

  private final Clock clock;

  /** cluster (namespace/name) → public key → endpoint → when it was first and last seen. */
  private final Map<String, Map<String, Map<String, Seen>>> seen = new ConcurrentHashMap<>();

  private record Seen(Instant first, Instant last) {}

  private final List<BiConsumer<String, String>> onChange = new CopyOnWriteArrayList<>();

  @Inject
  public ObservedEndpoints(Clock clock) {
    this.clock = clock;
  }

  /** Told (cluster key, public key) when the endpoints observed for a key change. */
  public void onChange(BiConsumer<String, String> listener) {
    onChange.add(listener);
  }

  /** One agent's report: what it sees of the peers it had a recent handshake with. */
  public void record(String namespace, String cluster, List<PeerHandshake> handshakes) {
    if (handshakes == null) {
      return;
    }
    Instant now = clock.instant();
    String clusterKey = namespace + "/" + cluster;
    Map<String, Map<String, Seen>> byKey =
        seen.computeIfAbsent(clusterKey, k -> new ConcurrentHashMap<>());
    for (PeerHandshake handshake : handshakes) {
      if (handshake.endpoint() == null
          || handshake.lastHandshakeEpochSeconds() == 0
          || Instant.ofEpochSecond(handshake.lastHandshakeEpochSeconds())
              .plus(FRESH)
              .isBefore(now)) {
        continue;
      }
      Map<String, Seen> endpoints =
          byKey.computeIfAbsent(handshake.publicKey(), k -> new ConcurrentHashMap<>());
      List<String> before = current(endpoints, now);
      endpoints.merge(
          handshake.endpoint(), new Seen(now, now), (old, fresh) -> new Seen(old.first(), now));
      if (!current(endpoints, now).equals(before)) {
        onChange.forEach(listener -> listener.accept(clusterKey, handshake.publicKey()));
      }
    }
  }

  /**
   * What peers saw of this key lately: the {@value #KEEP} first seen among those still seen, in
   * address order. Stable while nothing new is learnt or forgotten, so maps do not churn — not even
   * for a peer behind symmetric NAT, which every observer sees at another port.
   */
  public List<String> of(String namespace, String cluster, String publicKey) {
    Map<String, Map<String, Seen>> byKey = seen.get(namespace + "/" + cluster);
    Map<String, Seen> endpoints = byKey == null ? null : byKey.get(publicKey);
    return endpoints == null ? List.of() : current(endpoints, clock.instant());
  }

  public void forgetCluster(String namespace, String cluster) {
    seen.remove(namespace + "/" + cluster);
  }

  private static List<String> current(Map<String, Seen> endpoints, Instant now) {
    endpoints.values().removeIf(seen -> seen.last().plus(FRESH).isBefore(now));
    return new LinkedHashMap<>(endpoints)
        .entrySet().stream()
            .sorted(
                Comparator.comparing((Map.Entry<String, Seen> e) -> e.getValue().first())
                    .thenComparing(Map.Entry::getKey))
            .limit(KEEP)
            .map(Map.Entry::getKey)
            .sorted()
            .toList();
  }
}
