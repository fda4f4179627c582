package io.meshfed.operator.scheduler;

import io.meshfed.api.v1alpha1.ProviderType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Placing R replicas on P peers from scratch (bench/scheduler.sh): 1 000 peers over three providers
 * and regions, workloads of 1–100 replicas with mixed sizes, spreads and selectors. Reports the
 * median and worst of the measured runs after JIT warm-up.
 *
 * <p>Args: output JSON file, replicas, peers.
 */
public final class SchedulerBench {
  private static final long GI = 1L << 30;

  private SchedulerBench() {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args[0]);
    int replicas = Integer.parseInt(args[1]);
    int peers = Integer.parseInt(args[2]);
    Random random = new Random(42);
    List<Node> nodes = new ArrayList<>();
    ProviderType[] providers = {
      ProviderType.AWS, ProviderType.GCP, ProviderType.AZURE, ProviderType.DIGITALOCEAN
    };
    for (int i = 0; i < peers; i++) {
      nodes.add(
          new Node(
              "peer-" + i,
              providers[i % providers.length],
              "region-" + (i % 3),
              Map.of("tier", i % 2 == 0 ? "web" : "batch"),
              true,
              true,
              16_000,
              64 * GI));
    }
    List<Demand> demands = new ArrayList<>();
    int left = replicas;
    for (int w = 0; left > 0; w++) {
      int count = Math.min(left, 1 + random.nextInt(100));
      left -= count;
      String tier = w % 3 == 0 ? "web" : null;
      demands.add(
          new Demand(
              "bench/w" + w,
              count,
              100L * (1 + random.nextInt(10)),
              GI / 8 * (1 + random.nextInt(16)),
              null,
              null,
              tier == null ? null : labels -> tier.equals(labels.get("tier")),
              tier == null ? null : "tier=web",
              Spread.values()[w % 3],
              w % 4 == 0,
              Map.of()));
    }
    int placed = 0;
    for (int warmup = 0; warmup < 5; warmup++) {
      placed = count(placeInTurn(nodes, demands));
    }
    long[] ms = new long[10];
    for (int run = 0; run < ms.length; run++) {
      long start = System.nanoTime();
      Map<String, Scheduler.Decision> decisions = placeInTurn(nodes, demands);
      ms[run] = (System.nanoTime() - start) / 1_000_000;
      placed = count(decisions);
    }
    Arrays.sort(ms);
    String json =
        String.format(
            Locale.ROOT,
            "{\n  \"benchmark\": \"scheduler\",\n  \"cores\": %d,\n"
                + "  \"replicas\": %d,\n  \"peers\": %d,\n  \"workloads\": %d,\n  \"placed\": %d,\n  \"ms\": %d,\n"
                + "  \"worst_ms\": %d\n}\n",
            Runtime.getRuntime().availableProcessors(),
            replicas,
            peers,
            demands.size(),
            placed,
            ms[ms.length / 2],
            ms[ms.length - 1]);
    Files.writeString(out, json);
    System.out.print(json);
  }

  private static int count(Map<String, Scheduler.Decision> decisions) {
    return decisions.values().stream().mapToInt(d -> d.placements().size()).sum();
  }

  /**
   * As the Workload reconciler does it: one workload at a time, against a ledger of what the others
   * placed so far hold.
   */
  static Map<String, Scheduler.Decision> placeInTurn(List<Node> nodes, List<Demand> demands) {
    Map<String, Scheduler.Decision> decisions = new LinkedHashMap<>();
    List<Demand> placed = new ArrayList<>();
    for (Demand demand : demands) {
      Scheduler.Decision decision =
          Scheduler.place(nodes, demand, Scheduler.Ledger.reserving(placed));
      decisions.put(demand.workload(), decision);
      placed.add(
          new Demand(
              demand.workload(),
              demand.replicas(),
              demand.cpuMillis(),
              demand.memoryBytes(),
              demand.providers(),
              demand.regions(),
              demand.peerSelector(),
              demand.peerSelectorText(),
              demand.spread(),
              demand.onePerPeer(),
              decision.placements()));
    }
    return decisions;
  }
}
