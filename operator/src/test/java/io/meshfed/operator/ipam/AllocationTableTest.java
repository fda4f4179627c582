package io.meshfed.operator.ipam;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

class AllocationTableTest {
  private final SubnetPlan plan = SubnetPlan.of("100.64.0.0/22", 24);

  @Test
  void readsAndWritesTheConfigMapForm() {
    AllocationTable table = AllocationTable.read(plan, Map.of());
    table.put(0, new AllocationTable.Owner("uid-a", "a"));
    table.put(2, new AllocationTable.Owner("uid-c", "c"));
    Map<String, String> data = table.toData();
    assertThat(data)
        .containsExactly(
            Map.entry("100.64.0.0_24", "uid-a/a"), Map.entry("100.64.2.0_24", "uid-c/c"));

    AllocationTable again = AllocationTable.read(plan, data);
    assertThat(again.indexOf("uid-c")).contains(2L);
    assertThat(again.firstFree()).contains(1L);
    assertThat(again.allocated()).isEqualTo(2);
  }

  @Test
  void ignoresKeysThatAreNotSubnetsOfThePlan() {
    AllocationTable table =
        AllocationTable.read(
            plan, Map.of("100.64.9.0_24", "x/x", "note", "y", "100.64.1.0_24", "uid-b/b"));
    assertThat(table.allocated()).isEqualTo(1);
    assertThat(table.indexOf("uid-b")).contains(1L);
  }

  @Test
  void aReleasedSubnetIsHeldUntilItIsReassigned() {
    AllocationTable table = AllocationTable.read(plan, null);
    for (int i = 0; i < 4; i++) {
      table.put(table.firstFree().orElseThrow(), new AllocationTable.Owner("uid-" + i, "p" + i));
    }
    assertThat(table.firstFree()).isEmpty();
    assertThat(table.release("uid-2")).isTrue();
    assertThat(table.release("uid-2")).isFalse();
    // released, but not free: the Peer may still exist
    assertThat(table.firstFree()).isEmpty();
    assertThat(table.indexOf("uid-2")).isEmpty();
    assertThat(table.released()).containsOnlyKeys(2L);
    assertThat(table.toData()).containsEntry("100.64.2.0_24", "released/uid-2/p2");

    AllocationTable reread = AllocationTable.read(plan, table.toData());
    reread.reassign(2, new AllocationTable.Owner("uid-9", "p9"));
    assertThat(reread.indexOf("uid-9")).contains(2L);
    assertThat(reread.released()).isEmpty();
    assertThat(reread.indexOf("uid-3")).contains(3L);
    Assertions.assertThatThrownBy(() -> reread.reassign(3, new AllocationTable.Owner("x", "x")))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void randomAllocationsAndReleasesNeverShareASubnet() {
    SubnetPlan big =
        SubnetPlan.of(
            "100.64.0.0/18", 26); // 256 subnets: the run fills them and reuses released ones
    Random random = new Random(42);
    Map<String, String> data = new HashMap<>();
    Map<String, Long> live = new HashMap<>();
    for (int step = 0; step < 5_000; step++) {
      AllocationTable table = AllocationTable.read(big, data);
      boolean full = table.firstFree().isEmpty() && table.released().isEmpty();
      if (!live.isEmpty() && (full || random.nextInt(3) == 0)) {
        String victim =
            live.keySet().stream().skip(random.nextInt(live.size())).findFirst().orElseThrow();
        assertThat(table.release(victim)).isTrue();
        live.remove(victim);
      } else {
        String uid = "uid-" + step;
        var owner = new AllocationTable.Owner(uid, "p" + step);
        var free = table.firstFree();
        long index;
        if (free.isPresent()) {
          index = free.get();
          table.put(index, owner);
        } else {
          // the released peers are gone in this model: take the lowest released subnet
          index = table.released().keySet().iterator().next();
          table.reassign(index, owner);
        }
        live.put(uid, index);
      }
      data = table.toData();
      assertThat(data.size() - AllocationTable.read(big, data).released().size())
          .isEqualTo(live.size());
      assertThat(live.values().stream().distinct().count()).isEqualTo(live.size());
    }
  }
}
