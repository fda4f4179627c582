package io.meshfed.e2e;

import io.meshfed.provider.spi.Command;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Network namespaces behind routers that do real NAT with nftables, in the spirit of Tailscale's
 * natlab: each router has a WAN leg on the "internet" (a bridge this machine owns) and a LAN bridge
 * its hosts sit on. Addresses: WAN {@code 198.19.<20x>.1} on the bridge's /16, LANs {@code
 * 198.18.<20x>.0/24} — only addresses inside namespaces the lab makes. {@link #close} removes every
 * namespace, link and process it made, by PID.
 */
public final class NatLab implements AutoCloseable {
  private static final Duration TIMEOUT = Duration.ofSeconds(15);

  /** What a router does to its LAN's traffic. */
  public enum Nat {
    /** A cloud's 1:1 NAT: each host has a public address of its own (DNAT in, SNAT out). */
    ONE_TO_ONE,
    /** A home router: masquerade, keeping the source port where it can. */
    MASQUERADE,
    /** Carrier-grade or corporate: a random port for every new flow. */
    SYMMETRIC
  }

  /** A host behind a router: its namespace, LAN address and (1:1 NAT) public address. */
  public record Host(String name, String netns, String lanAddress, String publicAddress) {}

  private record Router(String name, int index, Nat nat, List<Host> hosts) {
    String netns() {
      return "mfl-r" + index;
    }

    String wanAddress() {
      return "198.19." + (200 + index) + ".1";
    }

    String lanPrefix() {
      return "198.18." + (200 + index);
    }
  }

  private final String bridge;
  private final Map<String, Router> routers = new LinkedHashMap<>();
  private final List<String> namespaces = new ArrayList<>();
  private final List<Process> processes = new ArrayList<>();

  /** A lab on this bridge (the "internet"), which must exist. */
  public NatLab(String bridge) {
    this.bridge = bridge;
    Reaper.register(this); // a test JVM stopped midway still takes the lab down
  }

  /**
   * A router with its WAN on the bridge and an empty LAN.
   *
   * @param index 1–50, distinct per router: its addresses and names derive from it
   * @param wanMtu the WAN link's MTU (null: the default), e.g. 1380 as on some clouds
   */
  public void router(String name, int index, Nat nat, Integer wanMtu) {
    Router router = new Router(name, index, nat, new ArrayList<>());
    String ns = router.netns();
    sweep(ns);
    ip("netns", "add", ns);
    namespaces.add(ns);
    String outside = "mflw" + index;
    Command.run(TIMEOUT, null, List.of("ip", "link", "delete", outside)); // a run killed midway
    ip("link", "add", outside, "type", "veth", "peer", "name", "wan", "netns", ns);
    ip("link", "set", outside, "master", bridge, "up");
    in(ns, "ip", "addr", "add", router.wanAddress() + "/16", "dev", "wan");
    if (wanMtu != null) {
      ip("link", "set", outside, "mtu", wanMtu.toString());
      in(ns, "ip", "link", "set", "wan", "mtu", wanMtu.toString());
    }
    in(ns, "ip", "link", "set", "wan", "up");
    in(ns, "ip", "link", "set", "lo", "up");
    in(ns, "ip", "link", "add", "lan", "type", "bridge");
    in(ns, "ip", "addr", "add", router.lanPrefix() + ".1/24", "dev", "lan");
    in(ns, "ip", "link", "set", "lan", "up");
    in(ns, "sysctl", "-qw", "net.ipv4.ip_forward=1");
    routers.put(name, router);
  }

  /** A host on the router's LAN; behind 1:1 NAT it gets a public address of its own. */
  public Host host(String routerName, String name) {
    Router router = routers.get(routerName);
    int number = router.hosts().size() + 2;
    String ns = "mfl-h" + router.index() + "-" + number;
    sweep(ns);
    ip("netns", "add", ns);
    namespaces.add(ns);
    String leg = "l" + number;
    in(
        router.netns(),
        "ip",
        "link",
        "add",
        leg,
        "type",
        "veth",
        "peer",
        "name",
        "eth0",
        "netns",
        ns);
    in(router.netns(), "ip", "link", "set", leg, "master", "lan", "up");
    String lan = router.lanPrefix() + "." + number;
    in(ns, "ip", "addr", "add", lan + "/24", "dev", "eth0");
    in(ns, "ip", "link", "set", "eth0", "up");
    in(ns, "ip", "link", "set", "lo", "up");
    in(ns, "ip", "route", "add", "default", "via", router.lanPrefix() + ".1");
    String publicAddress =
        router.nat() == Nat.ONE_TO_ONE
            ? "198.19." + (200 + router.index()) + "." + (10 + number)
            : null;
    if (publicAddress != null) {
      in(router.netns(), "ip", "addr", "add", publicAddress + "/16", "dev", "wan");
    }
    Host host = new Host(name, ns, lan, publicAddress);
    router.hosts().add(host);
    nat(router);
    return host;
  }

  /** The router's nftables ruleset, written whole (atomically) for its hosts now. */
  private void nat(Router router) {
    StringBuilder rules = new StringBuilder("flush ruleset\ntable ip nat {\n");
    rules.append("  chain pre { type nat hook prerouting priority -100; }\n");
    rules.append("  chain post { type nat hook postrouting priority 100;\n");
    switch (router.nat()) {
      case MASQUERADE -> rules.append("    oifname \"wan\" masquerade\n");
      case SYMMETRIC -> rules.append("    oifname \"wan\" masquerade fully-random\n");
      case ONE_TO_ONE -> {
        for (Host host : router.hosts()) {
          rules
              .append("    oifname \"wan\" ip saddr ")
              .append(host.lanAddress())
              .append(" snat to ")
              .append(host.publicAddress())
              .append("\n");
        }
      }
    }
    rules.append("  }\n}\n");
    if (router.nat() != Nat.ONE_TO_ONE) {
      // as home routers do: unsolicited packets from the WAN are dropped. A dropped packet's
      // conntrack entry is never confirmed, so a peer's early probe cannot take the mapping the
      // host's own flow needs (accepted, it would, and the host's flow would get a random port)
      rules
          .append("table ip filter {\n  chain input { type filter hook input priority 0;\n")
          .append("    iifname \"wan\" ct state new drop\n  }\n}\n");
    }
    if (router.nat() == Nat.ONE_TO_ONE) {
      StringBuilder pre = new StringBuilder();
      for (Host host : router.hosts()) {
        pre.append("add rule ip nat pre iifname \"wan\" ip daddr ")
            .append(host.publicAddress())
            .append(" dnat to ")
            .append(host.lanAddress())
            .append("\n");
      }
      rules.append(pre);
    }
    Command.check(
        TIMEOUT,
        rules.toString(),
        List.of("ip", "netns", "exec", router.netns(), "nft", "-f", "-"));
  }

  /** Drops the router's traffic to this TCP port of the internet (its hosts still reach peers). */
  public void blockTcp(String routerName, String address, int port) {
    Router router = routers.get(routerName);
    Command.check(
        TIMEOUT,
        "table ip block {\n  chain forward_block { type filter hook forward priority 0;\n    ip daddr "
            + address
            + " tcp dport "
            + port
            + " drop\n  }\n}\n",
        List.of("ip", "netns", "exec", router.netns(), "nft", "-f", "-"));
  }

  public void unblock(String routerName) {
    in(routers.get(routerName).netns(), "nft", "delete", "table", "ip", "block");
  }

  /** Takes the router's uplink down: its hosts reach nothing beyond their LAN. */
  public void cutUplink(String routerName) {
    in(routers.get(routerName).netns(), "ip", "link", "set", "wan", "down");
  }

  public void restoreUplink(String routerName) {
    in(routers.get(routerName).netns(), "ip", "link", "set", "wan", "up");
  }

  /** The router's LAN-side public address as peers on the internet see its masqueraded hosts. */
  public String wanAddress(String routerName) {
    return routers.get(routerName).wanAddress();
  }

  /** Starts a process in a host's namespace, output to a file; stopped by PID on close. */
  public Process start(Host host, List<String> argv, Path log) throws IOException {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", host.netns()));
    full.addAll(argv);
    Files.createDirectories(log.getParent());
    Process process =
        new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    processes.add(process);
    return process;
  }

  /** Runs a command in a host's namespace. */
  public Command.Result run(Host host, Duration timeout, String... argv) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", host.netns()));
    full.addAll(List.of(argv));
    return Command.run(timeout, null, full);
  }

  @Override
  public void close() {
    Reaper.unregister(this);
    for (Process process : processes) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
    for (String ns : namespaces) {
      sweep(ns);
    }
  }

  /** Whatever runs in the namespace is killed by PID, then the namespace (and its links) goes. */
  private static void sweep(String ns) {
    if (!Files.exists(Path.of("/run/netns", ns))) {
      return;
    }
    var pids = Command.run(TIMEOUT, null, List.of("ip", "netns", "pids", ns));
    List<ProcessHandle> killed = new ArrayList<>();
    for (String pid : pids.stdout().split("\\s+")) {
      if (!pid.isBlank()) {
        ProcessHandle.of(Long.parseLong(pid.strip()))
            .ifPresent(
                p -> {
                  p.destroyForcibly();
                  killed.add(p);
                });
      }
    }
    // a namespace lives on (with its links) while a process is in it: wait for them to go
    for (ProcessHandle process : killed) {
      try {
        process.onExit().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        System.err.println(
            "meshfed: process " + process.pid() + " in " + ns + " did not exit: " + e);
      }
    }
    Command.run(TIMEOUT, null, List.of("ip", "netns", "delete", ns));
  }

  private static void ip(String... argv) {
    List<String> full = new ArrayList<>(List.of("ip"));
    full.addAll(List.of(argv));
    Command.check(TIMEOUT, full);
  }

  private static void in(String ns, String... argv) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
    full.addAll(List.of(argv));
    Command.check(TIMEOUT, full);
  }
}
