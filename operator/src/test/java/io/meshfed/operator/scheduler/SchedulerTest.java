package io.meshfed.operator.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.api.v1alpha1.ProviderType;
import io.meshfed.operator.scheduler.Scheduler.Decision;
import io.meshfed.operator.scheduler.Scheduler.Ledger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SchedulerTest {
  static final long GI = 1L << 30;

  static Node node(String name, long cpuMillis, long memory) {
    return new Node(name, ProviderType.LOCAL, "local", Map.of(), true, true, cpuMillis, memory);
  }

  static Node node(String name, ProviderType provider, String region, Map<String, String> labels) {
    return new Node(name, provider, region, labels, true, true, 4000, 8 * GI);
  }

  static Demand demand(int replicas, long cpuMillis, long memory, Map<Integer, String> current) {
    return new Demand(
        "default/w", replicas, cpuMillis, memory, null, null, null, null, null, false, current);
  }

  @Test
  void placesOnlyOnPeersThatAcceptNewReplicasAndSpreadsAcrossThem() {
    List<Node> nodes =
        List.of(
            node("a", 2000, 4 * GI),
            node("b", 2000, 4 * GI),
            new Node(
                "cordoned", ProviderType.LOCAL, "local", Map.of(), false, true, 64000, 64 * GI));
    Decision decision = Scheduler.place(nodes, demand(4, 500, GI, Map.of()), new Ledger());
    assertThat(decision.scheduled()).isTrue();
    assertThat(decision.reason()).isEqualTo(Scheduler.SCHEDULED);
    assertThat(decision.placements()).containsOnlyKeys(0, 1, 2, 3);
    assertThat(decision.placements().values()).doesNotContain("cordoned");
    assertThat(decision.placements().values().stream().filter("a"::equals)).hasSize(2);
  }

  @Test
  void tooBigForEveryPeerIsNoResourcesAvailableNamingTheRoomiestPeerAndFitsOnceABiggerPeerJoins() {
    List<Node> nodes =
        new ArrayList<>(List.of(node("small", 1000, 2 * GI), node("medium", 2000, 4 * GI)));
    Ledger ledger = new Ledger();
    ledger.reserve("medium", 500, 0);
    Decision decision = Scheduler.place(nodes, demand(1, 4000, GI, Map.of()), ledger);
    assertThat(decision.scheduled()).isFalse();
    assertThat(decision.reason()).isEqualTo(Scheduler.NO_RESOURCES_AVAILABLE);
    assertThat(decision.message())
        .isEqualTo(
            "1 of 1 replicas cannot be placed: each needs cpu 4 and memory 1Gi;"
                + " the most free of the 2 matching peers is medium with cpu 1500m and memory 4Gi");

    nodes.add(node("big", 8000, 16 * GI));
    Decision later = Scheduler.place(nodes, demand(1, 4000, GI, Map.of()), new Ledger());
    assertThat(later.placements()).isEqualTo(Map.of(0, "big"));
  }

  @Test
  void constraintsThatNoPeerMeetsAreNoMatchingPeerNamingThem() {
    List<Node> nodes = List.of(node("a", ProviderType.AWS, "eu-west-1", Map.of("tier", "web")));
    Demand demand =
        new Demand(
            "default/w",
            2,
            100,
            GI,
            Set.of(ProviderType.GCP),
            Set.of("us-east1"),
            labels -> "db".equals(labels.get("tier")),
            "tier=db",
            null,
            false,
            Map.of());
    Decision decision = Scheduler.place(nodes, demand, new Ledger());
    assertThat(decision.reason()).isEqualTo(Scheduler.NO_MATCHING_PEER);
    assertThat(decision.unplaced()).isEqualTo(2);
    assertThat(decision.message())
        .isEqualTo(
            "2 of 2 replicas cannot be placed: none of the 1 Ready schedulable"
                + " worker peers has provider in [gcp] and region in [us-east1] and labels matching tier=db");

    Decision noWorkers =
        Scheduler.place(
            List.of(new Node("c", ProviderType.GCP, "us-east1", Map.of(), false, true, 1000, GI)),
            demand,
            new Ledger());
    assertThat(noWorkers.message())
        .endsWith("no peer of the cluster is Ready, schedulable and a worker");
  }

  @Test
  void runningReplicasStayWhenPeersJoinAndScalingDownRemovesTheHighestOnly() {
    List<Node> nodes = new ArrayList<>(List.of(node("a", 4000, 8 * GI), node("b", 4000, 8 * GI)));
    Map<Integer, String> first =
        Scheduler.place(nodes, demand(4, 100, GI, Map.of()), new Ledger()).placements();

    nodes.add(node("c", 64000, 64 * GI)); // emptier than both: new replicas would prefer it
    Map<Integer, String> afterJoin =
        Scheduler.place(nodes, demand(4, 100, GI, first), new Ledger()).placements();
    assertThat(afterJoin).isEqualTo(first);

    Map<Integer, String> scaledDown =
        Scheduler.place(nodes, demand(2, 100, GI, first), new Ledger()).placements();
    assertThat(scaledDown).isEqualTo(Map.of(0, first.get(0), 1, first.get(1)));
  }

  @Test
  void replicasLeaveAPeerThatIsGoneOrNoLongerKeepsThem() {
    Map<Integer, String> current = Map.of(0, "a", 1, "b", 2, "gone");
    List<Node> nodes =
        List.of(
            node("a", 4000, 8 * GI),
            new Node(
                "b",
                ProviderType.LOCAL,
                "local",
                Map.of(),
                false,
                false,
                4000,
                8 * GI), // NotReady past the grace
            node("c", 4000, 8 * GI));
    Decision decision = Scheduler.place(nodes, demand(3, 100, GI, current), new Ledger());
    assertThat(decision.placements()).containsEntry(0, "a");
    assertThat(decision.placements().get(1)).isIn("a", "c");
    assertThat(decision.placements().get(2)).isIn("a", "c");
    assertThat(decision.placements().values()).doesNotContain("b", "gone");

    // NotReady within the grace: it keeps what it runs but takes nothing new
    Node waiting = new Node("b", ProviderType.LOCAL, "local", Map.of(), false, true, 4000, 8 * GI);
    Decision kept =
        Scheduler.place(
            List.of(node("a", 4000, 8 * GI), waiting),
            demand(2, 100, GI, Map.of(0, "b")),
            new Ledger());
    assertThat(kept.placements()).isEqualTo(Map.of(0, "b", 1, "a"));
  }

  @Test
  void spreadsAcrossProvidersAndRegions() {
    List<Node> nodes =
        List.of(
            node("aws-1", ProviderType.AWS, "eu", Map.of()),
                node("aws-2", ProviderType.AWS, "eu", Map.of()),
            node("aws-3", ProviderType.AWS, "us", Map.of()),
                node("gcp-1", ProviderType.GCP, "eu", Map.of()));
    Demand byProvider =
        new Demand(
            "default/w", 4, 100, GI, null, null, null, null, Spread.PROVIDER, false, Map.of());
    Map<String, Integer> perProvider = new HashMap<>();
    Scheduler.place(nodes, byProvider, new Ledger())
        .placements()
        .values()
        .forEach(n -> perProvider.merge(n.substring(0, 3), 1, Integer::sum));
    assertThat(perProvider).containsExactlyInAnyOrderEntriesOf(Map.of("aws", 2, "gcp", 2));

    Demand byRegion =
        new Demand("default/w", 2, 100, GI, null, null, null, null, Spread.REGION, false, Map.of());
    assertThat(Scheduler.place(nodes, byRegion, new Ledger()).placements().values())
        .contains("aws-3");
  }

  @Test
  void aWorkloadWithPortsRunsAtMostOneReplicaPerPeer() {
    List<Node> nodes = List.of(node("a", 4000, 8 * GI), node("b", 4000, 8 * GI));
    Demand withPorts =
        new Demand("default/web", 3, 100, GI, null, null, null, null, null, true, Map.of());
    Decision decision = Scheduler.place(nodes, withPorts, new Ledger());
    assertThat(decision.placements().values()).containsExactlyInAnyOrder("a", "b");
    assertThat(decision.reason()).isEqualTo(Scheduler.NO_RESOURCES_AVAILABLE);
    assertThat(decision.message())
        .endsWith(
            "each of the 2 matching peers already runs one (a workload with ports runs at most one replica per peer)");
  }

  /**
   * The property: over random clusters, workloads, churn and re-placement, no peer is ever given
   * more than it has, no replica lands on a peer that does not take it, a workload with ports has
   * one replica per peer, and every replica is either placed or counted unplaced.
   */
  @Test
  void noPeerIsEverOverCommitted() {
    for (long seed = 0; seed < 400; seed++) {
      Random random = new Random(seed);
      List<Node> nodes = randomNodes(random);
      List<Demand> demands = new ArrayList<>();
      for (int w = 0; w < 1 + random.nextInt(12); w++) {
        demands.add(randomDemand(random, "ns/w" + w, Map.of()));
      }
      Map<String, Decision> first = placeInTurns(nodes, demands, new Random(seed));
      check(seed, nodes, demands, first);

      // churn: peers go or stop taking replicas, workloads scale; then place again from where they
      // run
      List<Node> churned = new ArrayList<>();
      for (Node n : nodes) {
        int fate = random.nextInt(6);
        if (fate == 0) {
          continue;
        }
        churned.add(
            fate == 1
                ? new Node(
                    n.name(),
                    n.provider(),
                    n.region(),
                    n.labels(),
                    false,
                    random.nextBoolean(),
                    n.cpuMillis(),
                    n.memoryBytes())
                : n);
      }
      for (int i = 0; i < 3; i++) {
        churned.add(randomNode(random, "late-" + i));
      }
      List<Demand> again = new ArrayList<>();
      for (Demand d : demands) {
        again.add(
            new Demand(
                d.workload(),
                random.nextInt(d.replicas() + 4),
                d.cpuMillis(),
                d.memoryBytes(),
                d.providers(),
                d.regions(),
                d.peerSelector(),
                d.peerSelectorText(),
                d.spread(),
                d.onePerPeer(),
                first.get(d.workload()).placements()));
      }
      Map<String, Decision> second = placeInTurns(churned, again, new Random(seed + 1));
      check(seed, churned, again, second);
      assertThat(placeInTurns(churned, again, new Random(seed + 1)))
          .as("deterministic, seed %d", seed)
          .isEqualTo(second);
    }
  }

  /**
   * The path production takes: the Workload reconciler places one workload at a time, in whatever
   * order their events come, against the others' latest placements ({@link Ledger#reserving}); a
   * workload is placed again when another's change wakes it. Three rounds in random orders.
   */
  static Map<String, Decision> placeInTurns(List<Node> nodes, List<Demand> demands, Random order) {
    Map<String, Demand> latest = new LinkedHashMap<>();
    demands.forEach(d -> latest.put(d.workload(), d));
    Map<String, Decision> decisions = new LinkedHashMap<>();
    for (int round = 0; round < 3; round++) {
      List<String> turns = new ArrayList<>(latest.keySet());
      Collections.shuffle(turns, order);
      for (String workload : turns) {
        Demand demand = latest.get(workload);
        List<Demand> others =
            latest.values().stream().filter(d -> !d.workload().equals(workload)).toList();
        Decision decision = Scheduler.place(nodes, demand, Ledger.reserving(others));
        decisions.put(workload, decision);
        latest.put(workload, withCurrent(demand, decision.placements()));
      }
    }
    return decisions;
  }

  private static Demand withCurrent(Demand d, Map<Integer, String> current) {
    return new Demand(
        d.workload(),
        d.replicas(),
        d.cpuMillis(),
        d.memoryBytes(),
        d.providers(),
        d.regions(),
        d.peerSelector(),
        d.peerSelectorText(),
        d.spread(),
        d.onePerPeer(),
        current);
  }

  private static void check(
      long seed, List<Node> nodes, List<Demand> demands, Map<String, Decision> decisions) {
    Map<String, Node> byName = new HashMap<>();
    nodes.forEach(n -> byName.put(n.name(), n));
    Map<String, long[]> used = new HashMap<>();
    for (Demand d : demands) {
      Decision decision = decisions.get(d.workload());
      assertThat(decision.placements().size() + decision.unplaced())
          .as("seed %d", seed)
          .isEqualTo(d.replicas());
      assertThat(decision.placements().keySet())
          .as("seed %d", seed)
          .allMatch(i -> i >= 0 && i < d.replicas());
      if (d.onePerPeer()) {
        assertThat(Set.copyOf(decision.placements().values()))
            .as("seed %d", seed)
            .hasSize(decision.placements().size());
      }
      decision
          .placements()
          .forEach(
              (index, peer) -> {
                Node node = byName.get(peer);
                boolean kept = peer.equals(d.current().get(index));
                assertThat(node)
                    .as("seed %d: %s on a peer that exists", seed, d.workload())
                    .isNotNull();
                assertThat(kept ? node.keepsReplicas() : node.acceptsNew() && d.matches(node))
                    .as("seed %d: %s-%d on %s", seed, d.workload(), index, peer)
                    .isTrue();
                long[] amounts = used.computeIfAbsent(peer, k -> new long[2]);
                amounts[0] += d.cpuMillis();
                amounts[1] += d.memoryBytes();
              });
    }
    used.forEach(
        (peer, amounts) -> {
          Node node = byName.get(peer);
          assertThat(amounts[0])
              .as("seed %d: cpu on %s", seed, peer)
              .isLessThanOrEqualTo(node.cpuMillis());
          assertThat(amounts[1])
              .as("seed %d: memory on %s", seed, peer)
              .isLessThanOrEqualTo(node.memoryBytes());
        });
  }

  private static List<Node> randomNodes(Random random) {
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < random.nextInt(15); i++) {
      nodes.add(randomNode(random, "p" + i));
    }
    return nodes;
  }

  private static Node randomNode(Random random, String name) {
    ProviderType[] providers = {ProviderType.AWS, ProviderType.GCP, ProviderType.LOCAL};
    return new Node(
        name,
        providers[random.nextInt(providers.length)],
        "r" + random.nextInt(3),
        Map.of("tier", random.nextBoolean() ? "web" : "db"),
        random.nextInt(5) > 0,
        true,
        500L * (1 + random.nextInt(16)),
        GI / 2 * (1 + random.nextInt(16)));
  }

  private static Demand randomDemand(Random random, String name, Map<Integer, String> current) {
    String tier = random.nextInt(3) == 0 ? (random.nextBoolean() ? "web" : "db") : null;
    return new Demand(
        name,
        random.nextInt(10),
        100L * random.nextInt(20),
        GI / 4 * random.nextInt(12),
        random.nextInt(4) == 0 ? Set.of(ProviderType.AWS) : null,
        random.nextInt(4) == 0 ? Set.of("r1", "r2") : null,
        tier == null ? null : labels -> tier.equals(labels.get("tier")),
        tier == null ? null : "tier=" + tier,
        Spread.values()[random.nextInt(3)],
        random.nextBoolean(),
        current);
  }
}
