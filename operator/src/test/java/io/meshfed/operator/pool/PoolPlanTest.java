package io.meshfed.operator.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.operator.pool.PoolPlan.Member;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PoolPlanTest {
  @Test
  void growsWithTheLowestFreeNamesSkippingTerminatingOnes() {
    var plan =
        PoolPlan.plan(
            "web",
            4,
            List.of(
                new Member("web-0", false, true, 0),
                new Member("web-1", true, true, 0), // still going: its name is taken
                new Member("web-3", false, true, 0)));
    assertThat(plan.create()).containsExactly("web-2", "web-4");
    assertThat(plan.delete()).isEmpty();
  }

  @Test
  void shrinksTheFewestReplicasFirstThenNotReadyThenNewest() {
    var plan =
        PoolPlan.plan(
            "web",
            2,
            List.of(
                new Member("web-0", false, true, 3),
                new Member("web-1", false, true, 0),
                new Member("web-2", false, false, 1),
                new Member("web-3", false, true, 1),
                new Member("web-4", false, true, 5)));
    // 0 replicas first; then of the ones with 1, the not-ready one
    assertThat(plan.delete()).containsExactly("web-1", "web-2", "web-3");
    var tie =
        PoolPlan.plan(
            "web",
            1,
            List.of(
                new Member("web-0", false, true, 0),
                new Member("web-7", false, true, 0),
                new Member("web-2", false, true, 0)));
    assertThat(tie.delete()).containsExactly("web-7", "web-2");
  }

  @Test
  void terminatingPeersAreNotCountedAndNothingMovesAtTheRightSize() {
    var plan =
        PoolPlan.plan(
            "web",
            2,
            List.of(
                new Member("web-0", false, true, 0),
                new Member("web-1", false, true, 0),
                new Member("web-2", true, true, 0)));
    assertThat(plan.create()).isEmpty();
    assertThat(plan.delete()).isEmpty();
  }

  @Test
  void anyPlanLeadsToExactlyTheDesiredNumberOfDistinctNames() {
    Random random = new Random(7);
    for (int round = 0; round < 2_000; round++) {
      int desired = random.nextInt(8);
      List<Member> members = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        if (random.nextBoolean()) {
          members.add(
              new Member(
                  "p-" + i, random.nextInt(5) == 0, random.nextBoolean(), random.nextInt(4)));
        }
      }
      var plan = PoolPlan.plan("p", desired, members);
      List<String> after =
          new ArrayList<>(
              members.stream().filter(m -> !m.terminating()).map(Member::name).toList());
      after.removeAll(plan.delete());
      if (!plan.create().isEmpty()) {
        assertThat(members.stream().map(Member::name)).doesNotContainAnyElementsOf(plan.create());
      }
      after.addAll(plan.create());
      assertThat(after).as("round %d", round).hasSize(desired).doesNotHaveDuplicates();
    }
  }
}
