package io.meshfed.operator.workload;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Which replicas a workload should have now, as a Deployment's rolling update decides: replicas of
 * the template's current revision replace the others at most {@code maxSurge} over the wanted count
 * and never more than {@code maxUnavailable} under it in ready replicas. Pure and level-based: it
 * looks at the replicas as they are and answers the next step; the reconciler calls it on every
 * change. Scaling is the same rule (a count change is a rollout without a new revision).
 */
public final class Rollout {
  private Rollout() {}

  /**
   * A replica as it is: its index (its name's suffix), the revision it runs, whether ready, and
   * whether it has to leave its peer (draining): one that leaves is replaced like an outdated one,
   * a new replica first.
   */
  public record Replica(int index, String revision, boolean ready, boolean leaving) {
    public Replica(int index, String revision, boolean ready) {
      this(index, revision, ready, false);
    }
  }

  /**
   * @param replicas index → revision of every replica to have now (kept or new)
   * @param updated how many of them run the update revision
   * @param outdated how many run another
   * @param complete every wanted replica runs the update revision and is ready, none other
   */
  public record Plan(
      SortedMap<Integer, String> replicas, int updated, int outdated, boolean complete) {}

  /**
   * @param wanted the workload's replica count
   * @param updateRevision the revision of the template as the spec says it now
   * @param current the replicas placed now, with what their agents report
   */
  public static Plan plan(
      int wanted, String updateRevision, List<Replica> current, int maxSurge, int maxUnavailable) {
    List<Replica> updated = new ArrayList<>();
    List<Replica> outdated = new ArrayList<>();
    for (Replica replica : current) {
      (updateRevision.equals(replica.revision()) && !replica.leaving() ? updated : outdated)
          .add(replica);
    }
    int minAvailable = Math.max(0, wanted - maxUnavailable);
    int ready = (int) current.stream().filter(Replica::ready).count();
    SortedMap<Integer, String> keep = new TreeMap<>();
    current.forEach(r -> keep.put(r.index(), r.revision()));

    // more updated replicas than wanted (scaled down): the unready go first, then the highest
    for (Replica extra : retireOrder(updated).subList(0, Math.max(0, updated.size() - wanted))) {
      keep.remove(extra.index());
      ready -= extra.ready() ? 1 : 0;
    }
    int updatedKept = Math.min(updated.size(), wanted);
    // outdated replicas go while enough ready ones stay; the unready go at once (they serve
    // nothing)
    for (Replica old : retireOrder(outdated)) {
      if (old.ready()) {
        if (ready - 1 < minAvailable) {
          break;
        }
        ready--;
      }
      keep.remove(old.index());
    }
    // new replicas of the update revision, up to the wanted count, within the surge
    int room = wanted + maxSurge - keep.size();
    int missing = wanted - updatedKept;
    // never the index of a replica that goes in this same step: its name is its agent's handle on
    // it, and the agent lets it serve out its drain while the others' DNS forgets it
    Set<Integer> taken = new HashSet<>(keep.keySet());
    current.forEach(r -> taken.add(r.index()));
    for (int added = 0, index = 0; added < Math.min(room, missing); index++) {
      if (!taken.contains(index)) {
        keep.put(index, updateRevision);
        added++;
      }
    }
    int nowOutdated = (int) outdated.stream().filter(r -> keep.containsKey(r.index())).count();
    int nowUpdated = keep.size() - nowOutdated;
    boolean complete =
        nowOutdated == 0 && updated.size() == wanted && updated.stream().allMatch(Replica::ready);
    return new Plan(keep, nowUpdated, nowOutdated, complete);
  }

  /** Unready before ready, then the highest index first. */
  private static List<Replica> retireOrder(List<Replica> replicas) {
    List<Replica> order = new ArrayList<>(replicas);
    order.sort(
        Comparator.comparing(Replica::ready)
            .thenComparing(Replica::index, Comparator.reverseOrder()));
    return order;
  }

  /**
   * A value of maxSurge or maxUnavailable: a count, or a percentage of the wanted replicas (surge
   * rounds up, unavailable down, as Kubernetes does).
   */
  public static int resolve(String value, int wanted, boolean roundUp) {
    if (value.endsWith("%")) {
      int percent = Integer.parseInt(value.substring(0, value.length() - 1));
      return roundUp ? (wanted * percent + 99) / 100 : wanted * percent / 100;
    }
    return Integer.parseInt(value);
  }

  /**
   * Whether the rollout is stuck: it has made no progress (a replica of the update revision ready,
   * an outdated one gone) for the deadline.
   */
  public static boolean pastDeadline(Instant progressedAt, Instant now, Duration deadline) {
    return progressedAt != null && Duration.between(progressedAt, now).compareTo(deadline) > 0;
  }
}
