package io.meshfed.operator.netmap;

import io.meshfed.operator.config.AgentApiRouting;
import io.meshfed.operator.support.DaemonThreads;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;

/**
 * Keeps each cluster's relay decision ({@link Relays}) current: agents' reports say whom each peer
 * cannot reach directly, the feed says which peers may relay; when that changes the decision is
 * made again and the peers whose relays changed get them in their maps.
 *
 * <p>Decisions are made off the reporting threads, one at a time per operator, and reports that
 * arrive meanwhile are taken together by the next one: a report only records what it says. (At a
 * thousand peers, a mass of broken pairs — every agent before its first full map — made each
 * decision take long enough that planning on every report's thread queued them all behind one lock,
 * with their bodies in memory, until the heap ran out.)
 */
@Singleton
public class RelayKeeper {
  private static final Logger LOG = Logger.getLogger(RelayKeeper.class);

  /** A report older than this says nothing of the peer now. */
  static final Duration REPORT_FRESH = Duration.ofSeconds(30);

  private final NetMapPublisher publisher;
  private final Clock clock;
  private final MeterRegistry metrics;
  private final Map<String, ClusterRelays> clusters = new ConcurrentHashMap<>();

  /** Where decisions run: one thread, so that they never overlap. */
  private final Executor planner;

  /** Whether this replica decides (the leader, where the reports come) or reads the decisions. */
  private final BooleanSupplier holdsReports;

  @Inject
  public RelayKeeper(
      NetMapPublisher publisher, Clock clock, MeterRegistry metrics, AgentApiRouting routing) {
    this(
        publisher,
        clock,
        metrics,
        Executors.newSingleThreadExecutor(DaemonThreads.named("relay-planner")),
        routing::holdsReports);
  }

  /** With decisions made on {@code planner} (tests: {@code Runnable::run}, at once). */
  public RelayKeeper(
      NetMapPublisher publisher, Clock clock, MeterRegistry metrics, Executor planner) {
    this(publisher, clock, metrics, planner, () -> true);
  }

  RelayKeeper(
      NetMapPublisher publisher,
      Clock clock,
      MeterRegistry metrics,
      Executor planner,
      BooleanSupplier holdsReports) {
    this.publisher = publisher;
    this.clock = clock;
    this.metrics = metrics;
    this.planner = planner;
    this.holdsReports = holdsReports;
  }

  private static final class ClusterRelays {
    final Map<String, Boolean> gateways = new HashMap<>();
    final Map<String, Boolean> probes = new HashMap<>();

    /**
     * Each member's last report, written without the lock: hundreds of reports a second from
     * hundreds of worker threads queued on it (a convoy that held every worker of the 5 000-agent
     * run, bench/RESULTS.md), for a put and a comparison.
     */
    final Map<String, Report> reports = new ConcurrentHashMap<>();

    volatile Relays.State state = Relays.State.NONE;
    Map<String, Map<String, String>> routes = Map.of();

    /**
     * Each peer's paths in the last decision, made with it: every report asks for its peer's, and
     * scanning the cluster's pairs for it under the lock, per report, was the other half of the
     * convoy above.
     */
    volatile Map<String, PeerPaths> paths = Map.of();

    /** When the planner last ran: it runs again on a change, or when time alone may change it. */
    volatile Instant decidedAt = Instant.MIN;

    /** A decision is queued and has not started: what arrives now is taken by it. */
    final AtomicBoolean queued = new AtomicBoolean();

    /** Pairs by path now, for the gauges: direct, relayed, unreachable. */
    final int[] pairs = new int[3];

    final List<Meter> meters = new ArrayList<>();

    /** Per gateway: what its WireGuard last said it received from each peer it relays for. */
    final Map<String, Map<String, Long>> lastReceived = new HashMap<>();

    final Map<String, Counter> relayedBytes = new HashMap<>();
  }

  /** What a member's last report said: whom it misses (none listed when isolated), and when. */
  private record Report(Set<String> missing, boolean isolated, Instant at) {
    boolean freshAt(Instant now) {
      return at.plus(REPORT_FRESH).isAfter(now);
    }
  }

  private static final List<String> PATHS = List.of("direct", "relayed", "unreachable");

  /** meshfed_mesh_pairs{namespace, cluster, path}: the cluster's pairs of peers by path. */
  private ClusterRelays registered(String namespace, String cluster) {
    return clusters.computeIfAbsent(
        namespace + "/" + cluster,
        k -> {
          ClusterRelays relays = new ClusterRelays();
          for (int i = 0; i < PATHS.size(); i++) {
            int path = i;
            relays.meters.add(
                Gauge.builder("meshfed.mesh.pairs", relays, r -> r.pairs[path])
                    .description("Pairs of peers by path: direct, relayed through a gateway, none")
                    .tags("namespace", namespace, "cluster", cluster, "path", PATHS.get(i))
                    .register(metrics));
          }
          return relays;
        });
  }

  /**
   * A member of the map: whether it may relay (role gateway, reachable as it is), and whether it
   * probes its peers (keepalives).
   */
  public void member(
      String namespace, String cluster, String peer, boolean gateway, boolean probes) {
    ClusterRelays relays = registered(namespace, cluster);
    synchronized (relays) {
      relays.gateways.put(peer, gateway);
      relays.probes.put(peer, probes);
    }
  }

  public void gone(String namespace, String cluster, String peer) {
    ClusterRelays relays = clusters.get(namespace + "/" + cluster);
    if (relays != null) {
      synchronized (relays) {
        relays.gateways.remove(peer);
        relays.probes.remove(peer);
        relays.reports.remove(peer);
        relays.lastReceived.remove(peer);
        Counter counter = relays.relayedBytes.remove(peer);
        if (counter != null) {
          relays.meters.remove(counter);
          metrics.remove(counter);
        }
      }
      decideSoon(namespace, cluster, relays);
    }
  }

  public void clusterGone(String namespace, String cluster) {
    ClusterRelays relays = clusters.remove(namespace + "/" + cluster);
    if (relays != null) {
      relays.meters.forEach(metrics::remove);
    }
  }

  /**
   * One agent's report: the peers it had no recent handshake with, and whether it had one with none
   * of them ({@link Relays.Member#isolated}: then only that is kept, not the names).
   */
  public void reported(
      String namespace,
      String cluster,
      String peer,
      Collection<String> missing,
      boolean reachesNone) {
    ClusterRelays relays = registered(namespace, cluster);
    boolean isolated = reachesNone && missing.size() >= Relays.ISOLATED_AT;
    Instant now = clock.instant();
    // an isolated peer's names are not kept: no set of every name per report of a peer that
    // waits for its first map
    Report report = new Report(isolated ? Set.of() : Set.copyOf(missing), isolated, now);
    Report before = relays.reports.put(peer, report);
    boolean changed =
        before == null
            || !before.freshAt(now)
            || before.isolated() != isolated
            || !before.missing().equals(report.missing())
            || timeMayDecide(relays, now);
    // the same report as the last one changes nothing the planner sees: at a thousand peers
    // reporting every 10 s, planning on each report kept a hundred threads waiting for this lock
    if (changed) {
      decideSoon(namespace, cluster, relays);
    }
  }

  /**
   * Whether the plan may change with time alone: a broken pair waits to be relayed, a relayed pair
   * to be direct long enough, another member's report to go stale. Checked at most every second,
   * and at least every third of the freshness.
   */
  private static boolean timeMayDecide(ClusterRelays relays, Instant now) {
    Duration since = Duration.between(relays.decidedAt, now);
    boolean waiting =
        !relays.state.brokenSince().isEmpty() || !relays.state.directSince().isEmpty();
    return since.compareTo(REPORT_FRESH.dividedBy(3)) >= 0
        || waiting && since.compareTo(Duration.ofSeconds(1)) >= 0;
  }

  /**
   * How the cluster's pairs connect, once any member has reported: the pairs among its members, how
   * many go through a gateway, and why each unreachable one has no path.
   */
  public Optional<Paths> paths(String namespace, String cluster) {
    ClusterRelays relays = clusters.get(namespace + "/" + cluster);
    if (relays == null) {
      return Optional.empty();
    }
    synchronized (relays) {
      if (relays.reports.isEmpty()) {
        return Optional.empty();
      }
      int members = relays.gateways.size();
      return Optional.of(
          new Paths(
              members * (members - 1) / 2,
              relays.state.relayed().size(),
              List.copyOf(relays.state.unreachable().values())));
    }
  }

  /** Pairs among the members, how many are relayed, and why the unreachable ones are. */
  public record Paths(int pairs, int relayed, List<String> unreachable) {}

  /**
   * A gateway's report of what its WireGuard received from each peer (name → bytes, as {@code wg
   * show transfer} counts them): the growth from the peers it relays for is added to
   * meshfed_relay_received_bytes_total{namespace, cluster, gateway}. It counts all their packets to
   * the gateway, so traffic of theirs to the gateway itself is included; a counter that went down
   * (a restarted interface) counts from zero.
   */
  public void gatewayReceived(
      String namespace, String cluster, String gateway, Map<String, Long> receivedFrom) {
    ClusterRelays relays = clusters.get(namespace + "/" + cluster);
    if (relays == null) {
      return;
    }
    long added = 0;
    Counter counter;
    synchronized (relays) {
      Set<String> relayedFor = new TreeSet<>();
      relays
          .state
          .relayed()
          .forEach(
              (pair, via) -> {
                if (via.equals(gateway)) {
                  relayedFor.add(pair.a());
                  relayedFor.add(pair.b());
                }
              });
      Map<String, Long> last = relays.lastReceived.computeIfAbsent(gateway, g -> new HashMap<>());
      last.keySet().retainAll(relayedFor);
      for (String peer : relayedFor) {
        Long now = receivedFrom.get(peer);
        if (now != null) {
          Long before = last.put(peer, now);
          if (before != null) {
            added += now >= before ? now - before : now;
          }
        }
      }
      counter =
          relays.relayedBytes.computeIfAbsent(
              gateway,
              g -> {
                Counter c =
                    Counter.builder("meshfed.relay.received")
                        .baseUnit("bytes")
                        .description("Bytes a gateway peer received from the peers it relays for")
                        .tags("namespace", namespace, "cluster", cluster, "gateway", g)
                        .register(metrics);
                relays.meters.add(c);
                return c;
              });
    }
    counter.increment(added);
  }

  /** Whom {@code peer} reaches through which gateway, whom it cannot reach, for whom it relays. */
  public PeerPaths pathsOf(String namespace, String cluster, String peer) {
    ClusterRelays relays = clusters.get(namespace + "/" + cluster);
    return relays == null ? PeerPaths.NONE : relays.paths.getOrDefault(peer, PeerPaths.NONE);
  }

  /** Every peer's paths in a decision, by peer (peers with none are left out). */
  static Map<String, PeerPaths> pathsByPeer(
      Relays.State state, Map<String, Map<String, String>> routes) {
    Map<String, Map<String, String>> unreachable = Relays.bySide(state.unreachable());
    Map<String, Integer> relaying = new HashMap<>();
    state.relayed().values().forEach(gateway -> relaying.merge(gateway, 1, Integer::sum));
    Set<String> peers = new HashSet<>(routes.keySet());
    peers.addAll(unreachable.keySet());
    peers.addAll(relaying.keySet());
    Map<String, PeerPaths> paths = new HashMap<>();
    for (String peer : peers) {
      paths.put(
          peer,
          new PeerPaths(
              Collections.unmodifiableSortedMap(new TreeMap<>(routes.getOrDefault(peer, Map.of()))),
              Collections.unmodifiableSortedMap(
                  new TreeMap<>(unreachable.getOrDefault(peer, Map.of()))),
              relaying.getOrDefault(peer, 0),
              List.of()));
    }
    return paths;
  }

  /** Queues a decision unless one is queued already (it will see this change). */
  private void decideSoon(String namespace, String cluster, ClusterRelays relays) {
    if (relays.queued.compareAndSet(false, true)) {
      planner.execute(
          () -> {
            relays.queued.set(false);
            try {
              decide(namespace, cluster, relays);
            } catch (RuntimeException e) {
              LOG.errorf(e, "deciding the relays of %s/%s", namespace, cluster);
            }
          });
    }
  }

  /** One decision: inputs copied under the lock, computed outside it, swapped in under it. */
  private void decide(String namespace, String cluster, ClusterRelays relays) {
    Instant now = clock.instant();
    List<Relays.Member> members = new ArrayList<>();
    Relays.State previous;
    synchronized (relays) {
      relays.gateways.forEach(
          (peer, gateway) -> {
            Report report = relays.reports.get(peer);
            boolean fresh = report != null && report.freshAt(now);
            members.add(
                new Relays.Member(
                    peer,
                    gateway,
                    relays.probes.getOrDefault(peer, false),
                    fresh ? report.missing() : null,
                    fresh && report.isolated()));
          });
      previous = relays.state;
      relays.decidedAt = now;
    }
    Relays.State next = Relays.decide(previous, members, now);
    Map<String, Map<String, String>> after = Relays.routes(next);
    Map<String, PeerPaths> paths = pathsByPeer(next, after);
    Map<String, Map<String, String>> before;
    synchronized (relays) {
      relays.state = next;
      int all = members.size() * (members.size() - 1) / 2;
      relays.pairs[1] = next.relayed().size();
      relays.pairs[2] = next.unreachable().size();
      relays.pairs[0] = all - relays.pairs[1] - relays.pairs[2];
      before = relays.routes;
      relays.routes = after;
      relays.paths = paths;
    }
    if (!holdsReports.getAsBoolean()) {
      return; // a standby's maps carry the leader's decisions, from the Peers' status (MapFeed)
    }
    Set<String> peers = new TreeSet<>(before.keySet());
    peers.addAll(after.keySet());
    // a new leader's maps still carry the relays it read as a standby: its own decisions replace
    // them (the map ignores routes it already has)
    peers.addAll(publisher.relayedPeers(namespace, cluster));
    for (String peer : peers) {
      publisher.relaysChanged(namespace, cluster, peer, after.getOrDefault(peer, Map.of()));
    }
  }
}
