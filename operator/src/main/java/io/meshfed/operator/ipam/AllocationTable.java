package io.meshfed.operator.ipam;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Which peer owns which subnet of one cluster, as kept in the cluster's IPAM ConfigMap: one key per
 * allocated subnet ("100.64.3.0_24"), the value "peer-uid/peer-name", or "released/peer-uid/
 * peer-name" once the peer's machine is gone but the Peer object may still exist. A released subnet
 * is handed out again only after its Peer is confirmed gone. Pure: reads and returns data maps,
 * never talks to the API.
 */
public final class AllocationTable {
  private final SubnetPlan plan;

  /** subnet index → owner. */
  private final TreeMap<Long, Owner> byIndex = new TreeMap<>();

  private final Map<String, Long> byPeerUid = new HashMap<>();

  public record Owner(String peerUid, String peerName, boolean released) {
    private static final String RELEASED = "released/";

    public Owner(String peerUid, String peerName) {
      this(peerUid, peerName, false);
    }

    Owner release() {
      return new Owner(peerUid, peerName, true);
    }

    String encode() {
      return (released ? RELEASED : "") + peerUid + "/" + peerName;
    }

    static Owner decode(String value) {
      boolean released = value.startsWith(RELEASED);
      String rest = released ? value.substring(RELEASED.length()) : value;
      int slash = rest.indexOf('/');
      return slash < 0
          ? new Owner(rest, "", released)
          : new Owner(rest.substring(0, slash), rest.substring(slash + 1), released);
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

  /** The subnet index this peer holds (not released). */
  public Optional<Long> indexOf(String peerUid) {
    return Optional.ofNullable(byPeerUid.get(peerUid)).filter(i -> !byIndex.get(i).released());
  }

  /** Released subnets, lowest first, with the peer that held each. */
  public Map<Long, Owner> released() {
    Map<Long, Owner> released = new TreeMap<>();
    byIndex.forEach(
        (index, owner) -> {
          if (owner.released()) {
            released.put(index, owner);
          }
        });
    return released;
  }

  /** Lowest subnet index never handed out or freed for good, if any is left. */
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

  /**
   * Marks the peer's subnet released: its machine is gone, its Peer may still exist for a moment.
   * True when this changed the table.
   */
  public boolean release(String peerUid) {
    Long index = byPeerUid.get(peerUid);
    if (index == null || byIndex.get(index).released()) {
      return false;
    }
    byIndex.put(index, byIndex.get(index).release());
    return true;
  }

  /** Takes a released subnet back from the peer that held it, for another. */
  public void reassign(long index, Owner owner) {
    Owner previous = byIndex.get(index);
    if (previous == null || !previous.released()) {
      throw new IllegalStateException("subnet " + index + " is not released");
    }
    byPeerUid.remove(previous.peerUid());
    put(index, owner);
  }

  public int allocated() {
    return byIndex.size();
  }

  /** The ConfigMap key of a subnet index ("100.64.3.0_24"). */
  public String key(long index) {
    return plan.subnet(index).replace('/', '_');
  }

  /** The ConfigMap value for a subnet index, empty when it is free. */
  public Optional<String> encoded(long index) {
    return Optional.ofNullable(byIndex.get(index)).map(Owner::encode);
  }
}
