package io.meshfed.operator.autoscaler;

import io.meshfed.api.v1alpha1.ProviderType;
import io.meshfed.operator.autoscaler.Autoscaler.Capacity;
import io.meshfed.operator.autoscaler.Autoscaler.Host;
import io.meshfed.operator.autoscaler.Autoscaler.Member;
import io.meshfed.operator.autoscaler.Autoscaler.Pending;
import io.meshfed.operator.autoscaler.Autoscaler.Pool;
import io.meshfed.operator.autoscaler.Autoscaler.Replica;
import io.meshfed.operator.scheduler.Demand;
import io.meshfed.operator.scheduler.Node;
import io.meshfed.operator.scheduler.Spread;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * One autoscaling decision for a cluster with P pools and R pending replicas (bench/autoscaler.sh):
 * pools over four providers and three regions with sizes from 1 to 16 cpus, each with 10 busy
 * peers; pending workloads of 1–60 replicas with mixed sizes, some tied to a provider, some one per
 * peer. Median and worst of the measured runs after JIT warm-up.
 *
 * <p>Args: output JSON file, pending replicas, pools.
 */
public final class AutoscalerBench {
  private static final long GI = 1L << 30;

  private AutoscalerBench() {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args[0]);
    int pendingReplicas = Integer.parseInt(args[1]);
    int poolCount = Integer.parseInt(args[2]);
    Random random = new Random(42);
    ProviderType[] providers = {
      ProviderType.AWS, ProviderType.GCP, ProviderType.AZURE, ProviderType.DIGITALOCEAN
    };
    Instant now = Instant.parse("2026-11-22T10:00:00Z");
    List<Pool> pools = new ArrayList<>();
    List<Host> hosts = new ArrayList<>();
    for (int p = 0; p < poolCount; p++) {
      int cpus = 1 << random.nextInt(5);
      ProviderType provider = providers[p % providers.length];
      String region = "region-" + (p % 3);
      List<Member> members = new ArrayList<>();
      for (int m = 0; m < 10; m++) {
        String name = "pool" + p + "-" + m;
        members.add(new Member(name, true, false, false, null));
        long used = cpus * 1000L * (5 + random.nextInt(5)) / 10;
        Demand busy =
            new Demand(
                "bench/busy" + p,
                10,
                used,
                GI,
                Set.of(),
                Set.of(),
                null,
                null,
                Spread.PEER,
                false,
                Map.of());
        hosts.add(
            new Host(
                new Node(name, provider, region, Map.of(), true, true, cpus * 1000L, cpus * 4 * GI),
                List.of(new Replica("bench/busy" + p, used, GI, busy))));
      }
      pools.add(
          new Pool(
              "pool" + p,
              random.nextInt(3),
              0,
              200,
              provider,
              region,
              Map.of(),
              "type-" + cpus,
              Optional.of(new Capacity(cpus * 1000L, cpus * 4 * GI)),
              10,
              members,
              null,
              Duration.ofMinutes(2),
              Duration.ofMinutes(10),
              50,
              1));
    }
    List<Pending> pending = new ArrayList<>();
    int left = pendingReplicas;
    for (int w = 0; left > 0; w++) {
      int count = Math.min(left, 1 + random.nextInt(60));
      left -= count;
      Set<ProviderType> only = w % 5 == 0 ? Set.of(providers[w % providers.length]) : Set.of();
      pending.add(
          new Pending(
              new Demand(
                  "bench/w" + w,
                  count,
                  250L * (1 + random.nextInt(8)),
                  GI / 4 * (1 + random.nextInt(8)),
                  only,
                  Set.of(),
                  null,
                  null,
                  Spread.PEER,
                  w % 4 == 0,
                  Map.of()),
              count));
    }
    Autoscaler.Input input =
        new Autoscaler.Input(
            pools,
            hosts,
            pending,
            new Autoscaler.Limits(null, null, null, poolCount * 10, 0, 0),
            now);
    Autoscaler.Decision decision = null;
    for (int warmup = 0; warmup < 20; warmup++) {
      decision = Autoscaler.decide(input);
    }
    double[] ms = new double[30];
    for (int run = 0; run < ms.length; run++) {
      long start = System.nanoTime();
      decision = Autoscaler.decide(input);
      ms[run] = (System.nanoTime() - start) / 1e6;
    }
    Arrays.sort(ms);
    int added = decision.pools().values().stream().mapToInt(Autoscaler.PoolDecision::added).sum();
    long growing = decision.pools().values().stream().filter(d -> d.added() > 0).count();
    String json =
        String.format(
            Locale.ROOT,
            "{\n  \"benchmark\": \"autoscaler\",\n  \"cores\": %d,\n"
                + "  \"pending\": %d,\n  \"pools\": %d,\n  \"workloads\": %d,\n  \"peers_added\": %d,\n"
                + "  \"pools_grown\": %d,\n  \"unfit_workloads\": %d,\n  \"decision_ms\": %.1f,\n"
                + "  \"decision_worst_ms\": %.1f\n}\n",
            Runtime.getRuntime().availableProcessors(),
            pendingReplicas,
            poolCount,
            pending.size(),
            added,
            growing,
            decision.unfit().size(),
            ms[ms.length / 2],
            ms[ms.length - 1]);
    Files.writeString(out, json);
    System.out.print(json);
  }
}
