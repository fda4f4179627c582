package io.meshfed.operator.agentapi;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.meshfed.api.agent.ReplicaStatus;
import io.meshfed.api.agent.StatusReport;
import io.meshfed.api.agent.StatusReport.PeerHandshake;
import io.meshfed.api.v1alpha1.MeshfedApi;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.operator.config.MeshfedConfig;
import io.meshfed.operator.join.AgentSecrets;
import io.meshfed.operator.netmap.MapLog;
import io.meshfed.operator.netmap.NetMapPublisher;
import io.meshfed.operator.netmap.ObservedEndpoints;
import io.meshfed.operator.netmap.PeerPaths;
import io.meshfed.operator.netmap.RelayKeeper;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import org.jboss.logging.Logger;

/**
 * The agents' heartbeats. The latest report of each peer is kept in memory (handshake counters
 * change every time; writing them to the API would be a write per heartbeat); the heartbeat itself
 * renews a Lease per peer, as kubelets do, so it survives an operator restart. The Peer reconciler
 * is woken only when something it shows changes: the first report, a report after a silence, a
 * change of endpoints, facts or data-plane health.
 */
@Singleton
public class AgentReports {
  private static final Logger LOG = Logger.getLogger(AgentReports.class);

  /**
   * A report as received (without its per-peer handshakes), and the data-plane health it showed.
   */
  public record Received(Instant at, StatusReport report, Health health, PeerPaths paths) {}

  private final KubernetesClient client;
  private final NetMapPublisher hub;
  private final ObservedEndpoints observed;
  private final RelayKeeper relays;
  private final MeshfedConfig config;
  private final Clock clock;
  private final HeartbeatCadence cadence;
  private final ReportCadence reportCadence;
  private final Map<String, Received> latest = new ConcurrentHashMap<>();
  private final Map<String, Instant> leaseRenewed = new ConcurrentHashMap<>();
  private volatile BiConsumer<String, String> wake = (namespace, peer) -> {};
  private volatile BiConsumer<String, String> wakeWorkload = (namespace, workload) -> {};

  public AgentReports(
      KubernetesClient client,
      NetMapPublisher hub,
      ObservedEndpoints observed,
      RelayKeeper relays,
      MeshfedConfig config,
      Clock clock) {
    this.observed = observed;
    this.relays = relays;
    this.clock = clock;
    this.client = client;
    this.hub = hub;
    this.config = config;
    this.cadence =
        new HeartbeatCadence(
            config.agentApi().leaseRenewInterval(),
            config.agentApi().leaseWritesPerSecond(),
            config.agentApi().heartbeatStatusInterval(),
            config.agentApi().heartbeatStatusWritesPerSecond());
    this.reportCadence = new ReportCadence(config.agentApi().reportsPerSecond());
  }

  /**
   * The shortest interval, in whole seconds, agents are told to report at (0: any), with the fleet
   * on this process's maps.
   */
  public long shortestReportIntervalSeconds() {
    return reportCadence.shortestIntervalSeconds(hub.memberCount());
  }

  /**
   * How long a peer may be silent before it is NotReady: the configured grace, longer when the
   * fleet's agents are told to report less often.
   */
  public Duration heartbeatGrace() {
    return reportCadence.heartbeatGrace(hub.memberCount(), config.peer().heartbeatGrace());
  }

  /**
   * How often a Ready peer's status is refreshed for its heartbeat, with this many peers reporting
   * here.
   */
  public Duration statusRefreshInterval() {
    return cadence.statusRefreshInterval(latest.size());
  }

  /** How often a peer's counts alone may change its status, with this many peers reporting. */
  public Duration countsRefreshInterval() {
    return cadence.countsRefreshInterval(latest.size());
  }

  /** The Peer reconciler's event source registers here. */
  public void onChange(BiConsumer<String, String> wake) {
    this.wake = wake;
  }

  /**
   * The Workload reconciler's event source registers here: (namespace, workload) whose replicas
   * changed.
   */
  public void onReplicasChange(BiConsumer<String, String> wake) {
    this.wakeWorkload = wake;
  }

  public Optional<Received> latest(String namespace, String peer) {
    return Optional.ofNullable(latest.get(namespace + "/" + peer));
  }

  /**
   * Peers ({@code namespace/name}) that reported since {@code since} without trusting the CA of
   * this pin, sorted. A report that names no pins counts as not trusting it.
   */
  public List<String> notTrusting(String pin, Instant since) {
    return latest.entrySet().stream()
        .filter(e -> !e.getValue().at().isBefore(since))
        .filter(
            e ->
                e.getValue().report().caHashes() == null
                    || !e.getValue().report().caHashes().contains(pin))
        .map(Map.Entry::getKey)
        .sorted()
        .toList();
  }

  public void forget(String namespace, String peer) {
    latest.remove(namespace + "/" + peer);
    leaseRenewed.remove(namespace + "/" + peer);
  }

  /** The report against the peers it should reach directly: all of the map but {@code relayed}. */
  private Health.Observation observe(
      Peer peer, StatusReport report, Instant now, Set<String> relayed) {
    String self = peer.getMetadata().getName();
    String namespace = peer.getMetadata().getNamespace();
    String cluster = peer.getSpec().getClusterRef().getName();
    MapLog.Members members = hub.members(namespace, cluster);
    // a peer not on the map under its key yet is new: its tunnels are all still settling
    Instant selfSince =
        Optional.ofNullable(peer.getStatus())
            .map(s -> s.getPublicKey())
            .map(members.byKey()::get)
            .filter(member -> member.peer().name().equals(self))
            .map(MapLog.Member::since)
            .orElse(now);
    Set<String> notExpected;
    if (relayed.isEmpty()) {
      notExpected = Set.of(self);
    } else {
      notExpected = new HashSet<>(relayed);
      notExpected.add(self);
    }
    return Health.observe(
        members,
        notExpected,
        selfSince,
        new Health.Reported(
            report.handshakes(),
            report.tunnels(),
            hub.heldUpTo(namespace, cluster, report.mapVersion())),
        now,
        config.agentApi().handshakeFreshness(),
        settleTime());
  }

  /**
   * How long a new tunnel without a persistent keepalive gets before its missing handshake counts.
   */
  Duration settleTime() {
    return Duration.ofSeconds(60);
  }

  public void accept(Peer peer, StatusReport report) {
    Instant now = clock.instant();
    String namespace = peer.getMetadata().getNamespace();
    String name = peer.getMetadata().getName();
    String key = namespace + "/" + name;
    Health.Observation observation = observe(peer, report, now, Set.of());
    String cluster = peer.getSpec().getClusterRef().getName();
    // where it sees its peers: candidates for them (and only for them)
    observed.record(namespace, cluster, report.handshakes());
    // whom it cannot reach directly: pairs that may need a relay (the planner sees direct paths)
    relays.reported(
        namespace,
        cluster,
        name,
        observation.missing(),
        observation.health().recent() == 0 && observation.health().expected() > 0);
    // its health counts the peers it reaches through a relay as reached
    PeerPaths paths =
        relays
            .pathsOf(namespace, cluster, name)
            .withObservedEndpoints(
                peer.getStatus() == null || peer.getStatus().getPublicKey() == null
                    ? List.of()
                    : observed.of(namespace, cluster, peer.getStatus().getPublicKey()));
    Set<String> relayed = paths.relayedVia().keySet();
    if (paths.relaying() > 0 && report.handshakes() != null) {
      Map<String, MapLog.Member> members = hub.mapPeers(namespace, cluster);
      Map<String, Long> receivedFrom = new HashMap<>();
      for (PeerHandshake handshake : report.handshakes()) {
        MapLog.Member member = members.get(handshake.publicKey());
        if (member != null) {
          receivedFrom.put(member.peer().name(), handshake.rxBytes());
        }
      }
      relays.gatewayReceived(namespace, cluster, name, receivedFrom);
    }
    Health health =
        relayed.isEmpty() ? observation.health() : observe(peer, report, now, relayed).health();
    // kept without its handshakes and tunnels: they are in the health now, and N of them per peer
    // is O(N²)
    StatusReport kept =
        new StatusReport(
            report.peer(),
            report.mapVersion(),
            report.endpoints(),
            report.facts(),
            null,
            report.replicas(),
            report.caHashes(),
            null);
    Received previous = latest.put(key, new Received(now, kept, health, paths));
    renewLease(peer, now);
    Duration silence = heartbeatGrace().dividedBy(2);
    boolean changed =
        previous == null
            || previous.at().plus(silence).isBefore(now)
            || !Objects.equals(previous.report().endpoints(), report.endpoints())
            || !Objects.equals(previous.report().facts(), report.facts())
            || !sameVerdict(previous.health(), health)
            || !previous.paths().equals(paths);
    if (changed) {
      wake.accept(namespace, name);
    }
    changedWorkloads(previous == null ? null : previous.report().replicas(), report.replicas())
        .forEach(workload -> wakeWorkload.accept(namespace, workload));
  }

  /**
   * Workloads with a replica that appeared, went, or changed state, address, restarts or message.
   */
  static Set<String> changedWorkloads(List<ReplicaStatus> before, List<ReplicaStatus> after) {
    Map<String, ReplicaStatus> was = byName(before);
    Map<String, ReplicaStatus> is = byName(after);
    Set<String> names = new HashSet<>(was.keySet());
    names.addAll(is.keySet());
    Set<String> workloads = new HashSet<>();
    for (String name : names) {
      if (!Objects.equals(was.get(name), is.get(name))) {
        workloads.add(workloadOf(name));
      }
    }
    return workloads;
  }

  private static Map<String, ReplicaStatus> byName(List<ReplicaStatus> replicas) {
    Map<String, ReplicaStatus> byName = new HashMap<>();
    if (replicas != null) {
      replicas.forEach(r -> byName.put(r.name(), r));
    }
    return byName;
  }

  /** {@code <workload>-<index>} to its workload. */
  static String workloadOf(String replica) {
    int dash = replica.lastIndexOf('-');
    return dash > 0 ? replica.substring(0, dash) : replica;
  }

  /**
   * Whether two reports' health says the same in the Peer's conditions. Not the counts: every join
   * anywhere in the cluster changes how many peers each peer should reach, and waking N reconciles
   * (N status writes) per join is what made joins slow at scale. The counts in status follow at the
   * next reconcile (at most {@code heartbeat-status-interval} later).
   */
  static boolean sameVerdict(Health a, Health b) {
    return a.healthy() == b.healthy()
        && a.meshConfigured() == b.meshConfigured()
        && (a.expected() == 0) == (b.expected() == 0)
        && a.missing().equals(b.missing())
        && a.unconfigured().equals(b.unconfigured());
  }

  private void renewLease(Peer peer, Instant now) {
    String key = peer.getMetadata().getNamespace() + "/" + peer.getMetadata().getName();
    Instant last = leaseRenewed.get(key);
    int peers = latest.size();
    if (last != null && last.plus(cadence.leaseRenewInterval(peers)).isAfter(now)) {
      return;
    }
    Lease lease =
        new LeaseBuilder()
            .withNewMetadata()
            .withName(AgentSecrets.leaseName(peer.getMetadata().getName()))
            .withNamespace(peer.getMetadata().getNamespace())
            .withLabels(
                Map.of(
                    MeshfedApi.PEER_LABEL,
                    peer.getMetadata().getName(),
                    MeshfedApi.MANAGED_BY_LABEL,
                    MeshfedApi.MANAGER))
            .withOwnerReferences(AgentSecrets.ownerReference(peer))
            .endMetadata()
            .withNewSpec()
            .withHolderIdentity(peer.getMetadata().getName())
            .withLeaseDurationSeconds(
                (int) cadence.leaseDuration(peers, heartbeatGrace()).toSeconds())
            .withRenewTime(ZonedDateTime.ofInstant(now, ZoneOffset.UTC))
            .endSpec()
            .build();
    try {
      client.resource(lease).fieldManager("meshfed-agent-api").forceConflicts().serverSideApply();
      leaseRenewed.put(key, now);
    } catch (KubernetesClientException e) {
      // the in-memory heartbeat still counts; the Lease is tried again with the next report
      LOG.debugf("renewing the heartbeat Lease of %s: %s", key, e.getMessage());
    }
  }

  /** When the peer's agent last reported: from memory, or from its Lease after a restart. */
  public Optional<Instant> lastHeartbeat(String namespace, String peer, Optional<Lease> lease) {
    Optional<Instant> inMemory = latest(namespace, peer).map(Received::at);
    Optional<Instant> fromLease =
        lease.map(Lease::getSpec).map(s -> s.getRenewTime()).map(ZonedDateTime::toInstant);
    if (inMemory.isPresent() && fromLease.isPresent()) {
      return Optional.of(
          inMemory.get().isAfter(fromLease.get()) ? inMemory.get() : fromLease.get());
    }
    return inMemory.isPresent() ? inMemory : fromLease;
  }
}
