package io.meshfed.operator.autoscaler;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.api.v1alpha1.ProviderType;
import io.meshfed.operator.autoscaler.Autoscaler.Capacity;
import io.meshfed.operator.autoscaler.Autoscaler.Decision;
import io.meshfed.operator.autoscaler.Autoscaler.Host;
import io.meshfed.operator.autoscaler.Autoscaler.Input;
import io.meshfed.operator.autoscaler.Autoscaler.Limits;
import io.meshfed.operator.autoscaler.Autoscaler.Member;
import io.meshfed.operator.autoscaler.Autoscaler.Pending;
import io.meshfed.operator.autoscaler.Autoscaler.Pool;
import io.meshfed.operator.autoscaler.Autoscaler.PoolDecision;
import io.meshfed.operator.autoscaler.Autoscaler.Replica;
import io.meshfed.operator.scheduler.Demand;
import io.meshfed.operator.scheduler.Node;
import io.meshfed.operator.scheduler.Spread;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AutoscalerTest {
  static final long GI = 1L << 30;
  static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
  static final Limits NO_LIMITS = new Limits(null, null, null, 0, 0, 0);

  // --- scale up ---

  @Test
  void pendingReplicasAddTheFewestPeersThatHoldThem() {
    Pool small = pool("small", 0, 10, new Capacity(2000, 4 * GI), 0, List.of());
    Decision d =
        decide(
            List.of(small), List.of(), List.of(pending("team/web", 5, 1000, GI, false)), NO_LIMITS);

    PoolDecision small1 = d.pools().get("small");
    assertThat(small1.added()).isEqualTo(3);
    assertThat(small1.desired()).isEqualTo(3);
    assertThat(small1.scaleUpReason())
        .isEqualTo("+3 peers (t3.small) for 5 pending replicas of web");
    assertThat(d.unfit()).isEmpty();
  }

  @Test
  void peersAlreadyOnTheirWayCountBeforeMoreAreAdded() {
    // wanted 3 last time, none Ready yet: 5 replicas of 1 cpu fit the 3 coming peers of 2 cpu
    Pool small =
        pool(
            "small",
            0,
            10,
            new Capacity(2000, 4 * GI),
            3,
            List.of(member("small-0", false), member("small-1", false)));
    Decision d =
        decide(
            List.of(small), List.of(), List.of(pending("team/web", 5, 1000, GI, false)), NO_LIMITS);
    assertThat(d.pools().get("small").added()).isZero();
    assertThat(d.pools().get("small").desired()).isEqualTo(3);
  }

  @Test
  void weightFirstThenLeastWaste() {
    Pool roomy = pool("roomy", 0, 10, new Capacity(4000, 16 * GI), 0, List.of());
    Pool snug = pool("snug", 0, 10, new Capacity(2000, 2 * GI), 0, List.of());
    List<Pending> two = List.of(pending("team/web", 2, 1000, GI, false));

    assertThat(decide(List.of(roomy, snug), List.of(), two, NO_LIMITS).pools().get("snug").added())
        .as("same weight: the one that wastes least")
        .isEqualTo(1);
    Pool heavyRoomy = withWeight(roomy, 10);
    Decision weighted = decide(List.of(heavyRoomy, snug), List.of(), two, NO_LIMITS);
    assertThat(weighted.pools().get("roomy").added()).isEqualTo(1);
    assertThat(weighted.pools().get("snug").added()).isZero();
  }

  @Test
  void neverBeyondMaxNorTheClustersLimits() {
    Pool pool = pool("web", 0, 2, new Capacity(2000, 4 * GI), 1, List.of(member("web-0", true)));
    List<Pending> five = List.of(pending("team/api", 5, 100, 64L << 20, true));
    assertThat(decide(List.of(pool), List.of(), five, NO_LIMITS).pools().get("web").added())
        .isEqualTo(1);

    Pool roomy = pool("web", 0, 20, new Capacity(2000, 4 * GI), 0, List.of());
    Limits fourPeers = new Limits(4, null, null, 3, 6000, 12 * GI);
    assertThat(decide(List.of(roomy), List.of(), five, fourPeers).pools().get("web").added())
        .isEqualTo(1);
    Limits tenCpus = new Limits(null, 10_000L, null, 3, 6000, 12 * GI);
    assertThat(decide(List.of(roomy), List.of(), five, tenCpus).pools().get("web").added())
        .isEqualTo(2);
  }

  @Test
  void replicasNoPoolCouldHoldMakeNothingGrowAndSayWhy() {
    Pool small = pool("small", 0, 10, new Capacity(2000, 4 * GI), 0, List.of());
    Pool gcp =
        new Pool(
            "gce",
            0,
            0,
            10,
            ProviderType.GCP,
            "europe-west1",
            Map.of(),
            "e2-standard-4",
            Optional.of(new Capacity(4000, 16 * GI)),
            0,
            List.of(),
            null,
            Duration.ofMinutes(2),
            Duration.ofMinutes(10),
            50,
            1);
    Demand huge = demand("team/huge", 1, 8000, GI, false, Set.of(ProviderType.AWS));
    Decision d = decide(List.of(small, gcp), List.of(), List.of(new Pending(huge, 2)), NO_LIMITS);

    assertThat(d.pools().values()).allSatisfy(p -> assertThat(p.added()).isZero());
    assertThat(d.unfit())
        .singleElement()
        .satisfies(
            u -> {
              assertThat(u.workload()).isEqualTo("team/huge");
              assertThat(u.replicas()).isEqualTo(2);
              assertThat(u.reason())
                  .isEqualTo(
                      "each replica needs cpu 8 and memory 1Gi and no pool can grow for it:"
                          + " pool gce does not match the placement (provider gcp, region europe-west1);"
                          + " pool small's peers (t3.small: cpu 2, memory 4Gi) are too small");
            });
  }

  // --- scale down ---

  @Test
  void anEmptyPeerIdleLongEnoughGoesAndOneNewlyIdleStartsItsClock() {
    Pool pool =
        pool(
            "web",
            0,
            10,
            new Capacity(2000, 4 * GI),
            2,
            List.of(
                idle(member("web-0", true), NOW.minus(Duration.ofMinutes(11))),
                member("web-1", true)));
    Decision d =
        decide(
            List.of(pool),
            List.of(host("web-0", 2000, 4 * GI), host("web-1", 2000, 4 * GI)),
            List.of(),
            NO_LIMITS);
    PoolDecision web = d.pools().get("web");
    assertThat(web.delete()).containsExactly("web-0");
    assertThat(web.desired()).isEqualTo(1);
    assertThat(web.idleSince()).containsExactly(Map.entry("web-1", NOW));
    assertThat(web.scaleDownReason())
        .isEqualTo("-1 peer [web-0]: idle (below 50% use, replicas fit elsewhere) for 10m or more");
    assertThat(Autoscaler.text(Duration.ofSeconds(5400))).isEqualTo("1h30m");
    assertThat(Autoscaler.text(Duration.ofSeconds(2))).isEqualTo("2s");
  }

  @Test
  void noShrinkInTheCooldownBelowTheFloorOrBeyondTheBudget() {
    Instant longAgo = NOW.minus(Duration.ofHours(1));
    List<Member> idleMembers =
        List.of(
            idle(member("web-0", true), longAgo),
            idle(member("web-1", true), longAgo),
            idle(member("web-2", true), longAgo));
    List<Host> hosts =
        List.of(
            host("web-0", 2000, 4 * GI), host("web-1", 2000, 4 * GI), host("web-2", 2000, 4 * GI));

    Pool cooling =
        withLastScaleUp(
            pool("web", 0, 10, new Capacity(2000, 4 * GI), 3, idleMembers),
            NOW.minus(Duration.ofMinutes(1)));
    assertThat(decide(List.of(cooling), hosts, List.of(), NO_LIMITS).pools().get("web").delete())
        .isEmpty();

    Pool budgetOne = pool("web", 0, 10, new Capacity(2000, 4 * GI), 3, idleMembers);
    assertThat(decide(List.of(budgetOne), hosts, List.of(), NO_LIMITS).pools().get("web").delete())
        .as("budget 1: the newest first")
        .containsExactly("web-2");

    Pool floorTwo = withMin(withBudget(budgetOne, 3), 2);
    assertThat(decide(List.of(floorTwo), hosts, List.of(), NO_LIMITS).pools().get("web").delete())
        .hasSize(1);

    List<Member> oneLeaving =
        List.of(
            idleMembers.get(0), idleMembers.get(1), new Member("web-2", true, true, false, null));
    Pool spent = pool("web", 0, 10, new Capacity(2000, 4 * GI), 3, oneLeaving);
    assertThat(decide(List.of(spent), hosts, List.of(), NO_LIMITS).pools().get("web").delete())
        .as("one already deleting uses the budget")
        .isEmpty();
  }

  @Test
  void aLightlyUsedPeerIsDrainedWhenItsReplicasFitElsewhereAndDeletedOnceEmpty() {
    Instant longAgo = NOW.minus(Duration.ofHours(1));
    Replica small =
        new Replica(
            "team/web", 200, 256L << 20, demand("team/web", 2, 200, 256L << 20, false, Set.of()));
    Pool pool =
        pool(
            "web",
            0,
            10,
            new Capacity(2000, 4 * GI),
            2,
            List.of(idle(member("web-0", true), longAgo), member("web-1", true)));
    List<Host> hosts =
        List.of(host("web-0", 2000, 4 * GI, small), host("web-1", 2000, 4 * GI, small));

    PoolDecision first = decide(List.of(pool), hosts, List.of(), NO_LIMITS).pools().get("web");
    assertThat(first.drain()).containsExactly("web-0");
    assertThat(first.delete()).isEmpty();
    assertThat(first.desired()).isEqualTo(2);

    Pool draining =
        pool(
            "web",
            0,
            10,
            new Capacity(2000, 4 * GI),
            2,
            List.of(new Member("web-0", true, false, true, longAgo), member("web-1", true)));
    List<Host> moved =
        List.of(host("web-0", 2000, 4 * GI), host("web-1", 2000, 4 * GI, small, small));
    PoolDecision second = decide(List.of(draining), moved, List.of(), NO_LIMITS).pools().get("web");
    assertThat(second.delete()).containsExactly("web-0");
    assertThat(second.desired()).isEqualTo(1);
  }

  @Test
  void aPeerWhoseReplicasHaveNowhereElseToGoIsNotIdleAndADrainOfOneIsCalledOff() {
    Instant longAgo = NOW.minus(Duration.ofHours(1));
    Replica api =
        new Replica(
            "team/api", 200, 256L << 20, demand("team/api", 2, 200, 256L << 20, true, Set.of()));
    // one replica per peer, and the only other peer runs one already
    Pool pool =
        pool(
            "web",
            0,
            10,
            new Capacity(2000, 4 * GI),
            2,
            List.of(idle(member("web-0", true), longAgo), member("web-1", true)));
    List<Host> hosts = List.of(host("web-0", 2000, 4 * GI, api), host("web-1", 2000, 4 * GI, api));
    PoolDecision d = decide(List.of(pool), hosts, List.of(), NO_LIMITS).pools().get("web");
    assertThat(d.drain()).isEmpty();
    assertThat(d.idleSince()).isEmpty();

    Pool draining =
        pool(
            "web",
            0,
            10,
            new Capacity(2000, 4 * GI),
            2,
            List.of(new Member("web-0", true, false, true, longAgo), member("web-1", true)));
    assertThat(decide(List.of(draining), hosts, List.of(), NO_LIMITS).pools().get("web").undrain())
        .containsExactly("web-0");
  }

  @Test
  void aPoolDoesNotShrinkWhileReplicasItCouldHoldWait() {
    Instant longAgo = NOW.minus(Duration.ofHours(1));
    Pool pool =
        pool(
            "web",
            0,
            1,
            new Capacity(2000, 4 * GI),
            1,
            List.of(idle(member("web-0", true), longAgo)));
    Decision d =
        decide(
            List.of(pool),
            List.of(host("web-0", 2000, 4 * GI)),
            List.of(pending("team/api", 2, 100, 64L << 20, true)),
            NO_LIMITS);
    assertThat(d.pools().get("web").delete()).isEmpty();
  }

  // --- properties ---

  @Test
  void propertiesHoldOverRandomClusters() {
    for (int seed = 0; seed < 500; seed++) {
      Random random = new Random(seed);
      List<Pool> pools = new ArrayList<>();
      List<Host> hosts = new ArrayList<>();
      int poolCount = 1 + random.nextInt(3);
      for (int p = 0; p < poolCount; p++) {
        String name = "pool" + p;
        int min = random.nextInt(3);
        int max = min + random.nextInt(5);
        List<Member> members = new ArrayList<>();
        int live = random.nextInt(max + 2);
        for (int m = 0; m < live; m++) {
          boolean terminating = random.nextInt(8) == 0;
          boolean ready = random.nextInt(5) != 0;
          boolean draining = !terminating && random.nextInt(6) == 0;
          Instant idleSince =
              random.nextBoolean() ? NOW.minus(Duration.ofMinutes(random.nextInt(30))) : null;
          members.add(new Member(name + "-" + m, ready, terminating, draining, idleSince));
          List<Replica> replicas = new ArrayList<>();
          for (int r = random.nextInt(3); r > 0; r--) {
            String w = "team/w" + random.nextInt(4);
            replicas.add(
                new Replica(
                    w,
                    100 + random.nextInt(900),
                    (64L + random.nextInt(512)) << 20,
                    demand(w, 3, 500, 256L << 20, random.nextBoolean(), Set.of())));
          }
          hosts.add(
              new Host(
                  new Node(
                      name + "-" + m,
                      ProviderType.LOCAL,
                      null,
                      Map.of(),
                      ready && !draining,
                      true,
                      2000,
                      4 * GI),
                  replicas));
        }
        long liveCount = members.stream().filter(m -> !m.terminating()).count();
        Pool pool =
            new Pool(
                name,
                random.nextInt(3),
                min,
                max,
                ProviderType.LOCAL,
                null,
                Map.of(),
                null,
                random.nextInt(6) == 0
                    ? Optional.empty()
                    : Optional.of(
                        new Capacity(
                            1000L * (1 + random.nextInt(4)), GI * (1 + random.nextInt(8)))),
                (int) Math.max(liveCount, random.nextInt(max + 1)),
                members,
                random.nextBoolean() ? null : NOW.minus(Duration.ofMinutes(random.nextInt(5))),
                Duration.ofMinutes(2),
                Duration.ofMinutes(10),
                50,
                random.nextInt(3));
        pools.add(pool);
      }
      List<Pending> pending = new ArrayList<>();
      for (int w = random.nextInt(4); w > 0; w--) {
        pending.add(
            pending(
                "team/p" + w,
                1 + random.nextInt(6),
                100L * (1 + random.nextInt(40)),
                (64L << 20) * (1 + random.nextInt(64)),
                random.nextBoolean()));
      }
      Integer peerCap = random.nextBoolean() ? null : 5 + random.nextInt(10);
      int peersNow = pools.stream().mapToInt(Pool::size).sum();
      Limits limits = new Limits(peerCap, null, null, peersNow, 0, 0);
      Input input = new Input(pools, hosts, pending, limits, NOW);

      Decision d = Autoscaler.decide(input);
      assertThat(Autoscaler.decide(input)).as("deterministic, seed " + seed).isEqualTo(d);
      int totalAdded = 0;
      for (Pool pool : pools) {
        PoolDecision pd = d.pools().get(pool.name());
        totalAdded += pd.added();
        long live = pool.members().stream().filter(m -> !m.terminating()).count();
        long unavailable =
            pool.members().stream()
                .filter(m -> m.terminating() || m.draining() || !m.ready())
                .count();
        String at = "seed " + seed + ", pool " + pool.name();
        if (pd.added() > 0) {
          assertThat(pd.desired()).as(at + ": never above max").isLessThanOrEqualTo(pool.max());
          assertThat(pool.capacity()).as(at + ": grows only with a known capacity").isPresent();
        }
        assertThat(live - pd.delete().size())
            .as(at + ": never below min by its own removals")
            .isGreaterThanOrEqualTo(Math.min(live, pool.min()));
        long newlyUnavailable =
            pd.drain().size()
                + pd.delete().stream()
                    .filter(
                        n ->
                            pool.members().stream()
                                .noneMatch(m -> m.name().equals(n) && m.draining()))
                    .count();
        assertThat(newlyUnavailable)
            .as(at + ": within the budget")
            .isLessThanOrEqualTo(Math.max(0, pool.maxUnavailable() - unavailable));
        assertThat(pd.added() > 0 && !pd.delete().isEmpty()).as(at + ": never both ways").isFalse();
      }
      if (peerCap != null) {
        assertThat(totalAdded)
            .as("seed " + seed + ": within the cluster's peers")
            .isLessThanOrEqualTo(Math.max(0, peerCap - peersNow));
      }
      if (pending.isEmpty() || d.unfit().size() == pending.size()) {
        assertThat(totalAdded).as("seed " + seed + ": nothing to place, nothing added").isZero();
      }
    }
  }

  // --- helpers ---

  static Decision decide(List<Pool> pools, List<Host> hosts, List<Pending> pending, Limits limits) {
    return Autoscaler.decide(new Input(pools, hosts, pending, limits, NOW));
  }

  static Pool pool(
      String name, int min, int max, Capacity capacity, int size, List<Member> members) {
    return new Pool(
        name,
        0,
        min,
        max,
        ProviderType.AWS,
        "eu-west-1",
        Map.of(),
        "t3.small",
        Optional.of(capacity),
        size,
        members,
        null,
        Duration.ofMinutes(2),
        Duration.ofMinutes(10),
        50,
        1);
  }

  static Pool withWeight(Pool p, int weight) {
    return new Pool(
        p.name(),
        weight,
        p.min(),
        p.max(),
        p.provider(),
        p.region(),
        p.labels(),
        p.instanceType(),
        p.capacity(),
        p.size(),
        p.members(),
        p.lastScaleUp(),
        p.cooldown(),
        p.scaleDownAfter(),
        p.utilizationThreshold(),
        p.maxUnavailable());
  }

  static Pool withLastScaleUp(Pool p, Instant at) {
    return new Pool(
        p.name(),
        p.weight(),
        p.min(),
        p.max(),
        p.provider(),
        p.region(),
        p.labels(),
        p.instanceType(),
        p.capacity(),
        p.size(),
        p.members(),
        at,
        p.cooldown(),
        p.scaleDownAfter(),
        p.utilizationThreshold(),
        p.maxUnavailable());
  }

  static Pool withBudget(Pool p, int budget) {
    return new Pool(
        p.name(),
        p.weight(),
        p.min(),
        p.max(),
        p.provider(),
        p.region(),
        p.labels(),
        p.instanceType(),
        p.capacity(),
        p.size(),
        p.members(),
        p.lastScaleUp(),
        p.cooldown(),
        p.scaleDownAfter(),
        p.utilizationThreshold(),
        budget);
  }

  static Pool withMin(Pool p, int min) {
    return new Pool(
        p.name(),
        p.weight(),
        min,
        p.max(),
        p.provider(),
        p.region(),
        p.labels(),
        p.instanceType(),
        p.capacity(),
        p.size(),
        p.members(),
        p.lastScaleUp(),
        p.cooldown(),
        p.scaleDownAfter(),
        p.utilizationThreshold(),
        p.maxUnavailable());
  }

  static Member member(String name, boolean ready) {
    return new Member(name, ready, false, false, null);
  }

  static Member idle(Member m, Instant since) {
    return new Member(m.name(), m.ready(), m.terminating(), m.draining(), since);
  }

  static Host host(String name, long cpu, long memory, Replica... replicas) {
    return new Host(
        new Node(name, ProviderType.AWS, "eu-west-1", Map.of(), true, true, cpu, memory),
        List.of(replicas));
  }

  static Pending pending(String workload, int count, long cpu, long memory, boolean onePerPeer) {
    return new Pending(demand(workload, count, cpu, memory, onePerPeer, Set.of()), count);
  }

  static Demand demand(
      String workload,
      int replicas,
      long cpu,
      long memory,
      boolean onePerPeer,
      Set<ProviderType> providers) {
    return new Demand(
        workload,
        replicas,
        cpu,
        memory,
        providers,
        Set.of(),
        null,
        null,
        Spread.PEER,
        onePerPeer,
        Map.of());
  }
}
