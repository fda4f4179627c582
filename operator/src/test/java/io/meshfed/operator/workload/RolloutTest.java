package io.meshfed.operator.workload;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.operator.workload.Rollout.Plan;
import io.meshfed.operator.workload.Rollout.Replica;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The rolling update as a pure function, stepped as the reconciler steps it. */
class RolloutTest {

  @Test
  void aSingleReplicaSurgesAndTheOldOneGoesOnlyWhenTheNewIsReady() {
    List<Replica> now = List.of(new Replica(0, "a", true));
    Plan first = Rollout.plan(1, "b", now, 1, 0);
    assertThat(first.replicas()).isEqualTo(new TreeMap<>(Map.of(0, "a", 1, "b")));
    assertThat(first.complete()).isFalse();

    // the new one is not ready: nothing more happens, the old one serves
    Plan waiting =
        Rollout.plan(1, "b", List.of(new Replica(0, "a", true), new Replica(1, "b", false)), 1, 0);
    assertThat(waiting.replicas()).isEqualTo(first.replicas());

    Plan swapped =
        Rollout.plan(1, "b", List.of(new Replica(0, "a", true), new Replica(1, "b", true)), 1, 0);
    assertThat(swapped.replicas()).isEqualTo(new TreeMap<>(Map.of(1, "b")));
    assertThat(Rollout.plan(1, "b", List.of(new Replica(1, "b", true)), 1, 0).complete()).isTrue();
  }

  @Test
  void withoutSurgeOneOldReplicaGoesFirstWithinMaxUnavailable() {
    List<Replica> now =
        List.of(new Replica(0, "a", true), new Replica(1, "a", true), new Replica(2, "a", true));
    Plan plan = Rollout.plan(3, "b", now, 0, 1);
    assertThat(plan.replicas())
        .as("the new one never takes the name of the one going in the same step")
        .isEqualTo(new TreeMap<>(Map.of(0, "a", 1, "a", 3, "b")));
    // a step later the free name is taken again
    assertThat(
            Rollout.plan(
                    3,
                    "b",
                    List.of(
                        new Replica(0, "a", true),
                        new Replica(1, "a", true),
                        new Replica(3, "b", true)),
                    0,
                    1)
                .replicas())
        .isEqualTo(new TreeMap<>(Map.of(0, "a", 2, "b", 3, "b")));
    assertThat(plan.updated()).isEqualTo(1);
    assertThat(plan.outdated()).isEqualTo(2);
  }

  @Test
  void unreadyOutdatedReplicasGoAtOnce() {
    List<Replica> now =
        List.of(new Replica(0, "a", false), new Replica(1, "a", false), new Replica(2, "a", true));
    Plan plan = Rollout.plan(3, "b", now, 1, 0);
    assertThat(plan.replicas()).isEqualTo(new TreeMap<>(Map.of(2, "a", 3, "b", 4, "b", 5, "b")));
  }

  @Test
  void aReplicaLeavingADrainingPeerIsReplacedFirst() {
    Plan surge = Rollout.plan(1, "a", List.of(new Replica(0, "a", true, true)), 1, 0);
    assertThat(surge.replicas()).isEqualTo(new TreeMap<>(Map.of(0, "a", 1, "a")));
    assertThat(surge.outdated()).isEqualTo(1);
    assertThat(
            Rollout.plan(
                    1,
                    "a",
                    List.of(new Replica(0, "a", true, true), new Replica(1, "a", false)),
                    1,
                    0)
                .replicas())
        .as("the new one is not ready yet")
        .containsOnlyKeys(0, 1);
    Plan moved =
        Rollout.plan(
            1, "a", List.of(new Replica(0, "a", true, true), new Replica(1, "a", true)), 1, 0);
    assertThat(moved.replicas()).isEqualTo(new TreeMap<>(Map.of(1, "a")));
    assertThat(moved.complete()).isTrue();
  }

  @Test
  void scalingIsTheSameRule() {
    List<Replica> three =
        List.of(new Replica(0, "a", true), new Replica(1, "a", false), new Replica(2, "a", true));
    assertThat(Rollout.plan(1, "a", three, 1, 0).replicas())
        .as("down: the unready first, then the highest")
        .isEqualTo(new TreeMap<>(Map.of(0, "a")));
    assertThat(Rollout.plan(5, "a", three, 1, 0).replicas())
        .as("up: the lowest free indexes, all at once")
        .isEqualTo(new TreeMap<>(Map.of(0, "a", 1, "a", 2, "a", 3, "a", 4, "a")));
    assertThat(Rollout.plan(2, "a", List.of(), 1, 0).replicas())
        .isEqualTo(new TreeMap<>(Map.of(0, "a", 1, "a")));
  }

  @Test
  void percentagesRoundAsKubernetesRoundsThem() {
    assertThat(Rollout.resolve("25%", 1, true)).isEqualTo(1);
    assertThat(Rollout.resolve("25%", 1, false)).isZero();
    assertThat(Rollout.resolve("25%", 10, true)).isEqualTo(3);
    assertThat(Rollout.resolve("25%", 10, false)).isEqualTo(2);
    assertThat(Rollout.resolve("2", 10, false)).isEqualTo(2);
    assertThat(Rollout.resolve("100%", 4, false)).isEqualTo(4);
  }

  @Test
  void theDeadlineCountsFromTheLastProgress() {
    Instant at = Instant.parse("2026-12-05T12:00:00Z");
    assertThat(Rollout.pastDeadline(at, at.plusSeconds(600), Duration.ofSeconds(600))).isFalse();
    assertThat(Rollout.pastDeadline(at, at.plusSeconds(601), Duration.ofSeconds(600))).isTrue();
    assertThat(Rollout.pastDeadline(null, at, Duration.ZERO)).isFalse();
  }

  /**
   * Random rollouts stepped to the end: new replicas get ready after a random number of steps; at
   * every step no more than wanted + surge replicas exist and no fewer than wanted - maxUnavailable
   * are ready; every rollout completes; a rollout whose new replicas never get ready never takes
   * more than maxUnavailable of the old ones away.
   */
  @Test
  void everyRolloutKeepsItsBoundsAndEnds() {
    for (long seed = 0; seed < 500; seed++) {
      Random random = new Random(seed);
      int wanted = 1 + random.nextInt(8);
      int surge = random.nextInt(3);
      int unavailable = surge == 0 ? 1 + random.nextInt(2) : random.nextInt(3);
      boolean broken = random.nextInt(5) == 0; // the new revision never gets ready
      Map<Integer, Replica> replicas = new TreeMap<>();
      for (int i = 0; i < wanted; i++) {
        replicas.put(i, new Replica(i, "old", true));
      }
      Map<Integer, Integer> readyIn = new HashMap<>();
      boolean complete = false;
      for (int step = 0; step < 200 && !complete; step++) {
        Plan plan =
            Rollout.plan(wanted, "new", new ArrayList<>(replicas.values()), surge, unavailable);
        String at = "seed " + seed + " step " + step + " " + replicas.values();
        assertThat(plan.replicas().size()).as(at).isLessThanOrEqualTo(wanted + surge);
        Map<Integer, Replica> next = new TreeMap<>();
        plan.replicas()
            .forEach(
                (index, revision) -> {
                  Replica was = replicas.get(index);
                  if (was != null && was.revision().equals(revision)) {
                    int left = readyIn.getOrDefault(index, 0) - 1;
                    readyIn.put(index, left);
                    next.put(
                        index, new Replica(index, revision, was.ready() || (!broken && left <= 0)));
                  } else {
                    readyIn.put(index, random.nextInt(4));
                    next.put(index, new Replica(index, revision, false));
                  }
                });
        replicas.clear();
        replicas.putAll(next);
        long ready = replicas.values().stream().filter(Replica::ready).count();
        assertThat(ready).as(at).isGreaterThanOrEqualTo(wanted - unavailable);
        complete = plan.complete();
      }
      if (broken) {
        assertThat(complete).isFalse();
        assertThat(replicas.values().stream().filter(r -> r.revision().equals("old")).count())
            .as("seed " + seed + ": the old replicas keep serving")
            .isGreaterThanOrEqualTo(wanted - unavailable);
      } else {
        assertThat(complete).as("seed " + seed + " ends").isTrue();
        assertThat(replicas.values())
            .as("seed " + seed)
            .hasSize(wanted)
            .allMatch(r -> r.revision().equals("new") && r.ready());
      }
    }
  }
}
