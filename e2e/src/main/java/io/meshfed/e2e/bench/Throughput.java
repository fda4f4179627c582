package io.meshfed.e2e.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.PathSummary;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.e2e.ControlPlane;
import io.meshfed.e2e.LocalMesh;
import io.meshfed.e2e.OperatorProcess;
import io.meshfed.provider.local.LocalMachineProvider;
import io.meshfed.provider.spi.Command;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The data plane against the wire: the quick start's cluster (examples/local-cluster.yaml, product
 * defaults) on the built operator, once per userspace WireGuard, and iperf3 between two of its
 * peers over the mesh and over their underlay addresses in the same run — TCP with one and four
 * streams, UDP at a fixed rate, and ping latency.
 *
 * <p>Args: repo dir, output JSON file, then {@code label=binary} per implementation (e.g. {@code
 * debian=wireguard-go current=/root/.cache/…/wireguard-go}).
 */
public final class Throughput {
  static final int SECONDS = 5;
  static final int TCP_RUNS = 3;
  static final String UDP_RATE = "500M";
  static final String UDP_LENGTH = "1200";
  static final Pattern PING_TIME = Pattern.compile("time=([0-9.]+) ms");

  private static final ObjectMapper JSON = new ObjectMapper();

  private Throughput() {}

  public static void main(String[] args) throws Exception {
    Path repo = Path.of(args[0]).toAbsolutePath();
    Path out = Path.of(args[1]);
    ArrayNode runs = JSON.createArrayNode();
    for (int i = 2; i < args.length; i++) {
      String[] labelled = args[i].split("=", 2);
      // the relay is measured once, with the last implementation: it waits for the lost direct
      // path to age out (the handshake freshness, 3 minutes)
      runs.add(measure(repo, labelled[0], labelled[1], i == args.length - 1));
    }
    ObjectNode result = JSON.createObjectNode();
    result.put(
        "recorded",
        LocalDate.now()
            + ", bench/throughput.sh on this machine ("
            + Runtime.getRuntime().availableProcessors()
            + " cores): the quick start's cluster, iperf3 "
            + SECONDS
            + " s per measurement, TCP single stream the median of "
            + TCP_RUNS);
    result.set("runs", runs);
    Files.writeString(out, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result) + "\n");
    System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result));
  }

  /** One implementation: the whole quick start up, measured, and torn down. */
  static ObjectNode measure(Path repo, String label, String binary, boolean relay)
      throws Exception {
    Path work = Files.createTempDirectory("meshfed-throughput");
    LocalBench.sweep();
    try (ControlPlane plane = ControlPlane.start(work, repo.resolve("crds"))) {
      try (OperatorProcess operator =
          LocalBench.operator(repo, plane, work, Map.of("meshfed.local.wireguard-go", binary))) {
        KubernetesClient client = plane.client();
        try (InputStream in = Files.newInputStream(repo.resolve("examples/local-cluster.yaml"))) {
          List<HasMetadata> objects = client.load(in).items();
          objects.forEach(o -> client.resource(o).inNamespace("default").serverSideApply());
        }
        if (!LocalMesh.awaitReady(client, Duration.ofSeconds(120))) {
          throw new IllegalStateException("the quick start's peers were not Ready within 120 s");
        }
        ObjectNode run = between(peer(client, "alpha"), peer(client, "bravo"));
        run.put("label", label);
        if (relay) {
          run.set("relay", throughRelay(client, "alpha", "bravo"));
        }
        client.resources(MeshCluster.class).inNamespace("default").delete();
        Thread.sleep(3000);
        return run;
      }
    } finally {
      LocalBench.sweep();
    }
  }

  static ObjectNode between(Peer from, Peer to) throws Exception {
    String fromNs = netns(from);
    String toNs = netns(to);
    String meshAddress = to.getStatus().getMeshAddress();
    String underlay = to.getStatus().getAddresses().getPrivateAddress();
    // the first packets wait for a handshake: not part of what is measured
    Command.check(
        Duration.ofSeconds(30),
        List.of("ip", "netns", "exec", fromNs, "ping", "-c", "3", "-W", "5", meshAddress));
    ObjectNode run = JSON.createObjectNode();
    run.put("wireguard", to.getStatus().getAgent().getWireguard());
    run.put("mtu", linkSetting(to, "mtu"));
    run.put("txqueuelen", linkSetting(to, "txqueuelen"));
    Process server =
        new ProcessBuilder("ip", "netns", "exec", toNs, "iperf3", "-s", "-p", "5201")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      Thread.sleep(500);
      ObjectNode mesh = path(fromNs, meshAddress);
      ObjectNode wire = path(fromNs, underlay);
      run.set("mesh", mesh);
      run.set("underlay", wire);
      run.put("mesh_mbps", mesh.get("tcp_mbps").asDouble());
      run.put("underlay_mbps", wire.get("tcp_mbps").asDouble());
      run.put("ratio", round(mesh.get("tcp_mbps").asDouble() / wire.get("tcp_mbps").asDouble()));
      run.put("streams", 4);
      run.put("rtt_ms", mesh.get("rtt_ms").asDouble());
      run.put("rtt_added_ms", round(mesh.get("rtt_ms").asDouble() - wire.get("rtt_ms").asDouble()));
      run.set("tuning", tuning(from, to, meshAddress, mesh.get("tcp_mbps").asDouble()));
      System.out.println(run);
      return run;
    } finally {
      server.destroy();
      server.waitFor();
    }
  }

  /**
   * What the agent could set on its interface, each measured against the default in the same run
   * (TCP, one stream, median of runs) and then put back: MTU (the NAT lab's 1380-byte link, IPv6's
   * minimum) and the interface's queue length.
   */
  static ArrayNode tuning(Peer from, Peer to, String meshAddress, double defaultMbps)
      throws Exception {
    ArrayNode variants = JSON.createArrayNode();
    for (List<String> change :
        List.of(List.of("mtu", "1380"), List.of("mtu", "1280"), List.of("txqueuelen", "1000"))) {
      Map<Peer, String> before = new HashMap<>();
      for (Peer peer : List.of(from, to)) {
        before.put(peer, linkSetting(peer, change.get(0)));
        setLink(peer, change.get(0), change.get(1));
      }
      try {
        List<Double> runs = new ArrayList<>();
        for (int i = 0; i < TCP_RUNS; i++) {
          runs.add(mbps(iperf(netns(from), meshAddress).at("/end/sum_received/bits_per_second")));
        }
        double median = runs.stream().sorted().toList().get(TCP_RUNS / 2);
        ObjectNode variant = variants.addObject();
        variant.put("change", change.get(0) + " " + change.get(1));
        variant.put("was", before.get(to));
        variant.put("tcp_mbps", median);
        variant.put("vs_default", round(median / defaultMbps));
      } finally {
        for (Peer peer : List.of(from, to)) {
          setLink(peer, change.get(0), before.get(peer));
        }
      }
    }
    return variants;
  }

  /**
   * The pair's direct path blocked (nftables in {@code from}'s namespace drops WireGuard to and
   * from {@code to}'s underlay): once the operator relays it through the quick start's gateway
   * (charlie), TCP and ping over the mesh again. {@code waited_s} is how long the product took to
   * notice and relay, with its defaults.
   */
  static ObjectNode throughRelay(KubernetesClient client, String fromName, String toName)
      throws Exception {
    Peer from = peer(client, fromName);
    Peer to = peer(client, toName);
    String underlay = to.getStatus().getAddresses().getPrivateAddress();
    String rules =
        "table ip meshfed_bench {\n"
            + "  chain out { type filter hook output priority 0; ip daddr "
            + underlay
            + " udp dport 51820 drop; }\n"
            + "  chain in { type filter hook input priority 0; ip saddr "
            + underlay
            + " udp sport 51820 drop; }\n"
            + "}\n";
    Command.check(
        Duration.ofSeconds(10),
        rules,
        List.of("ip", "netns", "exec", netns(from), "nft", "-f", "-"));
    try {
      long blocked = System.nanoTime();
      String via = null;
      long deadline = blocked + Duration.ofMinutes(6).toNanos();
      while (via == null) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              fromName + " → " + toName + " was not relayed in 6 minutes");
        }
        Thread.sleep(2000);
        var paths = peer(client, fromName).getStatus().getPaths();
        if (paths != null && paths.getRelayedPeers() != null) {
          via =
              paths.getRelayedPeers().stream()
                  .filter(link -> toName.equals(link.getPeer()))
                  .map(PathSummary.Link::getVia)
                  .findFirst()
                  .orElse(null);
        }
      }
      String meshAddress = to.getStatus().getMeshAddress();
      Command.check(
          Duration.ofSeconds(60),
          List.of("ip", "netns", "exec", netns(from), "ping", "-c", "3", "-W", "5", meshAddress));
      ObjectNode relayed = JSON.createObjectNode();
      relayed.put("via", via);
      relayed.put("waited_s", Math.round((System.nanoTime() - blocked) / 1e9));
      relayed.put("rtt_ms", rtt(netns(from), meshAddress));
      Process server =
          new ProcessBuilder("ip", "netns", "exec", netns(to), "iperf3", "-s", "-p", "5201")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      try {
        Thread.sleep(500);
        List<Double> runs = new ArrayList<>();
        for (int i = 0; i < TCP_RUNS; i++) {
          runs.add(mbps(iperf(netns(from), meshAddress).at("/end/sum_received/bits_per_second")));
        }
        relayed.put("tcp_mbps", runs.stream().sorted().toList().get(TCP_RUNS / 2));
      } finally {
        server.destroy();
        server.waitFor();
      }
      System.out.println("relayed: " + relayed);
      return relayed;
    } finally {
      Command.run(
          Duration.ofSeconds(10),
          null,
          List.of(
              "ip", "netns", "exec", netns(from), "nft", "delete", "table", "ip", "meshfed_bench"));
    }
  }

  static String linkSetting(Peer peer, String setting) {
    String file = setting.equals("mtu") ? "mtu" : "tx_queue_len";
    return Command.check(
            Duration.ofSeconds(5),
            List.of(
                "ip",
                "netns",
                "exec",
                netns(peer),
                "cat",
                "/sys/class/net/" + iface(peer) + "/" + file))
        .strip();
  }

  static void setLink(Peer peer, String setting, String value) {
    Command.check(
        Duration.ofSeconds(5),
        List.of(
            "ip", "netns", "exec", netns(peer), "ip", "link", "set", iface(peer), setting, value));
  }

  static String iface(Peer peer) {
    return LocalMachineProvider.wireguardInterfaceOf(peer.getMetadata().getUid());
  }

  /** TCP one stream (median of runs), TCP four streams, UDP at a fixed rate, ping at idle. */
  static ObjectNode path(String fromNs, String address) throws Exception {
    ObjectNode path = JSON.createObjectNode();
    path.put("rtt_ms", rtt(fromNs, address));
    List<Double> single = new ArrayList<>();
    for (int i = 0; i < TCP_RUNS; i++) {
      single.add(mbps(iperf(fromNs, address).at("/end/sum_received/bits_per_second")));
    }
    path.put("tcp_mbps", single.stream().sorted().toList().get(TCP_RUNS / 2));
    ArrayNode runs = path.putArray("tcp_runs_mbps");
    single.forEach(runs::add);
    path.put(
        "tcp4_mbps",
        mbps(iperf(fromNs, address, "-P", "4").at("/end/sum_received/bits_per_second")));
    // datagrams that fit the mesh's MTU on both paths: a larger one would be fragmented in the
    // tunnel only, and measure fragmentation instead of WireGuard
    JsonNode udp = iperf(fromNs, address, "-u", "-b", UDP_RATE, "-l", UDP_LENGTH);
    double lost = udp.at("/end/sum/lost_percent").asDouble();
    double sent = udp.at("/end/sum/bits_per_second").asDouble() / 1e6;
    path.put("udp_offered", UDP_RATE + "bit/s of " + UDP_LENGTH + "-byte datagrams");
    path.put("udp_lost_percent", round(lost));
    path.put("udp_delivered_mbps", round(sent * (1 - lost / 100)));
    return path;
  }

  static JsonNode iperf(String fromNs, String address, String... options) throws Exception {
    List<String> argv =
        new ArrayList<>(
            List.of(
                "ip",
                "netns",
                "exec",
                fromNs,
                "iperf3",
                "-J",
                "-c",
                address,
                "-p",
                "5201",
                "-t",
                Integer.toString(SECONDS)));
    argv.addAll(List.of(options));
    return JSON.readTree(Command.check(Duration.ofSeconds(SECONDS + 30L), argv));
  }

  /** The median round trip of 50 pings at idle (the median: one late wakeup is not latency). */
  static double rtt(String fromNs, String address) {
    String out =
        Command.check(
            Duration.ofSeconds(30),
            List.of("ip", "netns", "exec", fromNs, "ping", "-n", "-c", "50", "-i", "0.1", address));
    List<Double> times = new ArrayList<>();
    Matcher matcher = PING_TIME.matcher(out);
    while (matcher.find()) {
      times.add(Double.parseDouble(matcher.group(1)));
    }
    if (times.isEmpty()) {
      throw new IllegalStateException("no round-trip times in: " + out);
    }
    return round(times.stream().sorted().toList().get(times.size() / 2));
  }

  static double mbps(JsonNode bitsPerSecond) {
    return round(bitsPerSecond.asDouble() / 1e6);
  }

  static double round(double value) {
    return Double.parseDouble(String.format(Locale.ROOT, "%.3f", value));
  }

  static Peer peer(KubernetesClient client, String name) {
    return client.resources(Peer.class).inNamespace("default").withName(name).get();
  }

  static String netns(Peer peer) {
    return peer.getStatus().getProviderID().replace("local:///", "");
  }
}
