package io.meshfed.operator.pool;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a pool does next, from what it has: which peers to make (names {@code <pool>-<n>}, the
 * lowest free n, so names are deterministic and a crash cannot make two of one) and which to remove
 * (the fewest workload replicas first, not-ready before ready, newest before oldest). Pure: no API,
 * no clock.
 */
public final class PoolPlan {
  private PoolPlan() {}

  /** One peer of the pool as the plan sees it. */
  public record Member(String name, boolean terminating, boolean ready, int replicas) {}

  public record Plan(List<String> create, List<String> delete) {}

  public static Plan plan(String pool, int desired, List<Member> members) {
    List<Member> live = members.stream().filter(m -> !m.terminating()).toList();
    if (live.size() < desired) {
      // names of terminating peers stay taken until they are gone
      Set<Integer> taken = new TreeSet<>();
      members.forEach(m -> index(pool, m.name()).ifPresent(taken::add));
      List<String> create = new ArrayList<>();
      for (int n = 0; create.size() < desired - live.size(); n++) {
        if (!taken.contains(n)) {
          create.add(pool + "-" + n);
        }
      }
      return new Plan(create, List.of());
    }
    if (live.size() > desired) {
      List<String> delete =
          live.stream()
              .sorted(
                  Comparator.comparingInt(Member::replicas)
                      .thenComparing(Member::ready)
                      .thenComparing(
                          Comparator.comparingInt(
                                  (Member m) -> index(pool, m.name()).orElse(Integer.MAX_VALUE))
                              .reversed()))
              .limit(live.size() - desired)
              .map(Member::name)
              .toList();
      return new Plan(List.of(), delete);
    }
    return new Plan(List.of(), List.of());
  }

  static Optional<Integer> index(String pool, String name) {
    String prefix = pool + "-";
    if (!name.startsWith(prefix)) {
      return Optional.empty();
    }
    try {
      return Optional.of(Integer.parseInt(name.substring(prefix.length())));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
