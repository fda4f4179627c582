package io.meshfed.operator.ipam;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Which peer owns which subnet of one cluster, as kept in the cluster's IPAM ConfigMap: one key per
 * allocated subnet ("100.64.3.0_24"), the value "peer-uid/peer-name". Pure: reads and returns
 * data maps, never talks to the API.
 */
public final class AllocationTable {
  private final SubnetPlan plan;
  /** subnet index → owner. */
  private final TreeMap<Long, Owner> byIndex = new TreeMap<>();
  private final Map<String, Long> byPeerUid = new HashMap<>();

  public record Owner(String peerUid, String peerName) {
    String encode() {
      return peerUid + "/" + peerName;
    }

    static Owner decode(String value) {
      int slash = value.indexOf('/');
      return slash < 0 ? new Owner(value, "") : new Owner(value.substring(0, slash), value.substring(slash + 1));
    }
  }

  private AllocationTable(SubnetPlan plan) {
    this.plan = plan;
  }

  /** Reads a ConfigMap's data; keys that are not subnets of the plan are kept out of the table. */
  public static AllocationTable read(SubnetPlan plan, Map<String, String> data) {
    AllocationTable table = new AllocationTable(plan);
    if (data != null) {
      data.forEach(
          (key, value) -> {
            long index = plan.indexOf(key.replace('_', '/'));
            if (index >= 0) {
              table.put(index, Owner.decode(value));
            }
          });
    }
    return table;
  }

  public Map<String, String> toData() {
    Map<String, String> data = new TreeMap<>();
    byIndex.forEach((index, owner) -> data.put(key(index), owner.encode()));
    return data;
  }

  /** The subnet index this peer already holds. */
  public Optional<Long> indexOf(String peerUid) {
    return Optional.ofNullable(byPeerUid.get(peerUid));
  }

  /** Lowest free subnet index, if any is left. */
  public Optional<Long> firstFree() {
    long expected = 0;
    for (long used : byIndex.keySet()) {
      if (used != expected) {
        break;
      }
      expected++;
    }
    return expected < plan.size() ? Optional.of(expected) : Optional.empty();
  }

  public void put(long index, Owner owner) {
    byIndex.put(index, owner);
    byPeerUid.put(owner.peerUid(), index);
  }

  /** Frees the peer's subnet; true when it held one. */
  public boolean release(String peerUid) {
    Long index = byPeerUid.remove(peerUid);
    return index != null && byIndex.remove(index) != null;
  }

  public int allocated() {
    return byIndex.size();
  }

  public SubnetPlan plan() {
    return plan;
  }

  private String key(long index) {
    return plan.subnet(index).replace('/', '_');
  }
}
