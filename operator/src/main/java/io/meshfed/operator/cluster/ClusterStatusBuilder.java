package io.meshfed.operator.cluster;

import static io.meshfed.operator.cluster.ClusterConditions.*;

import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.MeshClusterStatus;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerCounts;
import io.meshfed.api.v1alpha1.PeerPhase;
import io.meshfed.api.v1alpha1.ProviderType;
import io.meshfed.api.v1alpha1.ResourceAmounts;
import io.meshfed.api.v1alpha1.Workload;
import io.meshfed.operator.peer.PeerConditions;
import io.meshfed.operator.placement.ClusterView;
import io.meshfed.operator.provider.CloudAccounts;
import io.meshfed.operator.scheduler.Amounts;
import io.meshfed.operator.support.Conditions;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Builds a MeshCluster's status from what it observed. Pure: facts in, status out. */
public final class ClusterStatusBuilder {
  private ClusterStatusBuilder() {}

  /**
   * @param workloads the cluster's workloads: what their placed replicas reserve is {@code
   *     allocated}
   * @param credentials each configured provider's verdict on its credentials
   * @param paths how the cluster's pairs of peers connect, once agents have reported
   * @param deletion while the cluster is being deleted: what its deletion waits for
   */
  public record Facts(
      Collection<Peer> peers,
      Collection<Workload> workloads,
      String joinTokenSecret,
      Optional<Instant> joinTokenExpiry,
      Map<ProviderType, CloudAccounts.Verdict> credentials,
      Optional<String> endpoint,
      Optional<String> caHash,
      Instant now,
      Optional<Paths> paths,
      Optional<Deletion> deletion) {

    public Facts(
        Collection<Peer> peers,
        Collection<Workload> workloads,
        String joinTokenSecret,
        Optional<Instant> joinTokenExpiry,
        Map<ProviderType, CloudAccounts.Verdict> credentials,
        Optional<String> endpoint,
        Optional<String> caHash,
        Instant now) {
      this(
          peers,
          workloads,
          joinTokenSecret,
          joinTokenExpiry,
          credentials,
          endpoint,
          caHash,
          now,
          Optional.empty(),
          Optional.empty());
    }

    /** These facts, with how the cluster's pairs connect. */
    public Facts withPaths(Optional<Paths> paths) {
      return with(paths, deletion);
    }

    /** These facts, for a cluster whose deletion waits as {@code deletion} says. */
    public Facts deleting(Deletion deletion) {
      return with(paths, Optional.of(deletion));
    }

    private Facts with(Optional<Paths> paths, Optional<Deletion> deletion) {
      return new Facts(
          peers,
          workloads,
          joinTokenSecret,
          joinTokenExpiry,
          credentials,
          endpoint,
          caHash,
          now,
          paths,
          deletion);
    }
  }

  /**
   * What a cluster's deletion waits for: {@code reason} {@link ClusterConditions#TERMINATING} while
   * it goes its way, {@link ClusterConditions#DELETION_BLOCKED} while something it waits for fails.
   */
  public record Deletion(String reason, String message) {}

  /**
   * How pairs connect: of {@code pairs}, {@code relayed} go through gateways; {@code unreachable}
   * says why each pair with no path has none (the others are direct, or still trying).
   */
  public record Paths(int pairs, int relayed, List<String> unreachable) {}

  /**
   * MeshConnected: every pair has a path, direct or through a gateway; or which do not, and why.
   */
  private static void meshConnected(Conditions conditions, Optional<Paths> paths) {
    if (paths.isEmpty()) {
      conditions.set(
          MESH_CONNECTED,
          Conditions.UNKNOWN,
          NO_AGENT_DATA,
          "no agent has reported WireGuard handshakes yet");
      return;
    }
    Paths p = paths.get();
    int direct = p.pairs() - p.relayed() - p.unreachable().size();
    String counts =
        p.pairs() + " pairs: " + direct + " direct, " + p.relayed() + " relayed through gateways";
    if (p.unreachable().isEmpty()) {
      conditions.set(MESH_CONNECTED, true, "PairsConnected", counts);
      return;
    }
    List<String> shown = p.unreachable().stream().sorted().limit(3).toList();
    conditions.set(
        MESH_CONNECTED,
        false,
        "PairsUnreachable",
        counts
            + ", "
            + p.unreachable().size()
            + " without a path: "
            + String.join("; ", shown)
            + (p.unreachable().size() > shown.size() ? "; …" : ""));
  }

  public static MeshClusterStatus build(MeshCluster cluster, Facts facts) {
    MeshClusterStatus previous = cluster.getStatus();
    MeshClusterStatus status = new MeshClusterStatus();
    status.setObservedGeneration(cluster.getMetadata().getGeneration());
    status.setJoinTokenSecret(facts.joinTokenSecret());
    status.setJoinTokenExpiresAt(facts.joinTokenExpiry().map(Conditions::timestamp).orElse(null));
    status.setEndpoint(facts.endpoint().orElse(null));
    status.setCaHash(facts.caHash().orElse(null));

    PeerCounts counts = new PeerCounts();
    facts.peers().forEach(p -> counts.add(phaseOf(p)));
    status.setPeers(counts);
    status.setCapacity(
        sum(facts.peers(), p -> p.getStatus() == null ? null : p.getStatus().getCapacity()));
    status.setAllocatable(
        sum(
            facts.peers().stream().filter(p -> phaseOf(p) == PeerPhase.READY).toList(),
            p -> p.getStatus().getAllocatable()));
    status.setAllocated(allocated(facts.workloads()));

    Conditions conditions =
        new Conditions(
            previous == null ? null : previous.getConditions(),
            cluster.getMetadata().getGeneration(),
            facts.now());
    boolean terminating = cluster.isMarkedForDeletion();
    if (terminating) {
      Deletion deletion =
          facts
              .deletion()
              .orElse(
                  new Deletion(
                      TERMINATING,
                      "the cluster is being deleted with its peers, pools and workloads"));
      conditions.set(READY, false, deletion.reason(), deletion.message());
      status.setPhase(PHASE_TERMINATING);
    } else if (counts.getTotal() == 0) {
      conditions.set(READY, true, NO_PEERS, "join token issued; no peers yet");
      status.setPhase(PHASE_READY);
    } else if (counts.getReady() == counts.getTotal()) {
      conditions.set(READY, true, CLUSTER_READY, "all " + counts.getTotal() + " peers are ready");
      status.setPhase(PHASE_READY);
    } else {
      conditions.set(READY, false, PEERS_NOT_READY, notReadyMessage(counts, facts.peers()));
      status.setPhase(
          counts.getNotReady() + counts.getFailed() > 0 ? PHASE_DEGRADED : PHASE_PENDING);
    }

    meshConnected(conditions, facts.paths());

    var configured =
        cluster.getSpec().getProviders() == null
            ? Map.<ProviderType, Object>of()
            : cluster.getSpec().getProviders().configured();
    if (configured.isEmpty()) {
      conditions.set(
          CREDENTIALS_VALID,
          Conditions.UNKNOWN,
          NO_PROVIDERS,
          "no cloud provider is configured in spec.providers");
    } else {
      credentialsCondition(conditions, facts.credentials());
    }
    status.setConditions(conditions.build());
    return status;
  }

  /** False names every provider that fails and why; Unknown when a cloud could not be asked. */
  private static void credentialsCondition(
      Conditions conditions, Map<ProviderType, CloudAccounts.Verdict> verdicts) {
    var failing =
        verdicts.entrySet().stream()
            .filter(e -> Boolean.FALSE.equals(e.getValue().valid()))
            .toList();
    var unknown = verdicts.entrySet().stream().filter(e -> e.getValue().valid() == null).toList();
    Function<List<Map.Entry<ProviderType, CloudAccounts.Verdict>>, String> describe =
        entries ->
            entries.stream()
                .map(e -> e.getKey() + ": " + e.getValue().reason() + ": " + e.getValue().message())
                .collect(Collectors.joining("; "));
    if (!failing.isEmpty()) {
      conditions.set(
          CREDENTIALS_VALID, false, failing.get(0).getValue().reason(), describe.apply(failing));
    } else if (!unknown.isEmpty()) {
      conditions.set(
          CREDENTIALS_VALID,
          Conditions.UNKNOWN,
          NOT_VERIFIED,
          "could not ask the cloud: " + describe.apply(unknown));
    } else {
      conditions.set(
          CREDENTIALS_VALID, true, VERIFIED, "credentials of " + verdicts.keySet() + " work");
    }
  }

  static PeerPhase phaseOf(Peer peer) {
    return peer.getStatus() == null || peer.getStatus().getPhase() == null
        ? PeerPhase.PENDING
        : peer.getStatus().getPhase();
  }

  private static String notReadyMessage(PeerCounts counts, Collection<Peer> peers) {
    Map<PeerPhase, List<String>> byPhase = new TreeMap<>();
    peers.stream()
        .filter(p -> phaseOf(p) != PeerPhase.READY)
        .sorted((a, b) -> a.getMetadata().getName().compareTo(b.getMetadata().getName()))
        .forEach(
            p ->
                byPhase
                    .computeIfAbsent(phaseOf(p), k -> new ArrayList<>())
                    .add(p.getMetadata().getName()));
    String detail =
        byPhase.entrySet().stream()
            .map(e -> e.getKey() + ": " + abbreviate(e.getValue()))
            .collect(Collectors.joining("; "));
    return counts.getReady() + "/" + counts.getTotal() + " peers ready (" + detail + ")";
  }

  /** Reasons a Peer's teardown gives when the cloud keeps it from going. */
  private static final Set<String> TEARDOWN_BLOCKED =
      Set.of(PeerConditions.MACHINE_DELETION_FAILED, PeerConditions.CREDENTIALS_NOT_FOUND);

  /**
   * What a cluster's deletion waits for, from what is left of it: its workloads and pools, its
   * peers (a peer whose machine the cloud will not delete blocks it, and says why), and, once no
   * peer is left, a failure to release what the clouds still hold for the cluster.
   */
  public static Deletion waitingFor(
      Collection<String> workloads,
      Collection<String> pools,
      Collection<Peer> peers,
      Optional<String> releaseFailure) {
    List<String> blocked =
        peers.stream()
            .sorted((a, b) -> a.getMetadata().getName().compareTo(b.getMetadata().getName()))
            .flatMap(
                p ->
                    Conditions.find(
                        p.getStatus() == null ? null : p.getStatus().getConditions(),
                        PeerConditions.READY)
                        .filter(c -> TEARDOWN_BLOCKED.contains(c.getReason()))
                        .map(c -> "peer " + p.getMetadata().getName() + ": " + c.getMessage())
                        .stream())
            .toList();
    if (!blocked.isEmpty()) {
      return new Deletion(
          DELETION_BLOCKED,
          "the cluster is being deleted and waits for "
              + blocked.size()
              + (blocked.size() == 1 ? " peer" : " peers")
              + " the cloud keeps: "
              + String.join("; ", blocked.subList(0, Math.min(3, blocked.size())))
              + (blocked.size() > 3 ? "; …" : ""));
    }
    if (releaseFailure.isPresent()) {
      return new Deletion(
          DELETION_BLOCKED,
          "the cluster is being deleted; its peers are gone, but releasing what the clouds still"
              + " hold for it failed: "
              + releaseFailure.get()
              + "; trying again");
    }
    List<String> left = new ArrayList<>();
    count(left, workloads, "workload");
    count(left, pools, "pool");
    count(left, peers.stream().map(p -> p.getMetadata().getName()).sorted().toList(), "peer");
    return new Deletion(
        TERMINATING,
        left.isEmpty()
            ? "the cluster is being deleted: releasing what its clouds hold"
            : "the cluster is being deleted: waiting for " + String.join(", ", left) + " to go");
  }

  private static void count(List<String> into, Collection<String> names, String kind) {
    if (!names.isEmpty()) {
      into.add(
          names.size()
              + " "
              + kind
              + (names.size() == 1 ? "" : "s")
              + " ("
              + abbreviate(names.stream().sorted().toList())
              + ")");
    }
  }

  private static String abbreviate(List<String> names) {
    return names.size() <= 5
        ? String.join(", ", names)
        : String.join(", ", names.subList(0, 5)) + " and " + (names.size() - 5) + " more";
  }

  /** Each workload's placed replicas times what one reserves. */
  private static ResourceAmounts allocated(Collection<Workload> workloads) {
    long cpuMillis = 0;
    long memoryBytes = 0;
    for (Workload workload : workloads) {
      int placed =
          workload.getStatus() == null || workload.getStatus().getReplicas() == null
              ? 0
              : workload.getStatus().getReplicas();
      cpuMillis += placed * ClusterView.cpuMillis(workload);
      memoryBytes += placed * ClusterView.memoryBytes(workload);
    }
    return new ResourceAmounts(
        Amounts.cpuQuantity(BigDecimal.valueOf(cpuMillis).movePointLeft(3)),
        Amounts.memoryQuantity(BigDecimal.valueOf(memoryBytes)));
  }

  private static ResourceAmounts sum(Collection<Peer> peers, Function<Peer, ResourceAmounts> of) {
    BigDecimal cpu = BigDecimal.ZERO;
    BigDecimal memory = BigDecimal.ZERO;
    for (Peer peer : peers) {
      ResourceAmounts amounts = of.apply(peer);
      if (amounts == null) {
        continue;
      }
      if (amounts.getCpu() != null) {
        cpu = cpu.add(amounts.getCpu().getNumericalAmount());
      }
      if (amounts.getMemory() != null) {
        memory = memory.add(amounts.getMemory().getNumericalAmount());
      }
    }
    return new ResourceAmounts(Amounts.cpuQuantity(cpu), Amounts.memoryQuantity(memory));
  }
}
