package io.meshfed.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A Kubernetes Service on this host, the way kube-proxy makes one: a port on 127.0.0.1 that the
 * kernel rewrites (nftables DNAT in the output hook) to the ports of the endpoints it selects now,
 * new connections taking them in turn (kube-proxy's nftables mode spreads them with {@code numgen}
 * too, at random). Established connections stay where they went, as with kube-proxy's conntrack.
 * Costs no CPU in the JVM that uses it, which a forwarding proxy would. Needs root and nft; the
 * table is removed on close.
 */
public final class LoopbackService implements AutoCloseable {
  private final String table;
  private final int port;
  private List<Integer> endpoints = List.of();

  private LoopbackService(String table, int port) {
    this.table = table;
    this.port = port;
  }

  /** A service port with no endpoint yet (connections to it are refused). */
  public static LoopbackService create(String name, int port)
      throws IOException, InterruptedException {
    String table = "meshfed_svc_" + name;
    nft("add", "table", "ip", table);
    LoopbackService service = new LoopbackService(table, port);
    try {
      nft(
          "add",
          "chain",
          "ip",
          table,
          "output",
          "{",
          "type",
          "nat",
          "hook",
          "output",
          "priority",
          "-100",
          ";",
          "}");
    } catch (IOException | RuntimeException e) {
      service.close();
      throw e;
    }
    return service;
  }

  public int port() {
    return port;
  }

  /** The ports new connections go to now; empty: none (refused). */
  public synchronized List<Integer> endpoints() {
    return endpoints;
  }

  /**
   * New connections to the service go to {@code targets} on 127.0.0.1 from now on, in turn; the
   * rule is replaced in one nft transaction, so no connection finds the chain empty meanwhile.
   */
  public synchronized void route(List<Integer> targets) throws IOException, InterruptedException {
    if (targets.equals(endpoints)) {
      return;
    }
    StringBuilder script = new StringBuilder("flush chain ip " + table + " output\n");
    if (!targets.isEmpty()) {
      script.append("add rule ip ").append(table).append(" output ip daddr 127.0.0.1 tcp dport ");
      script.append(port).append(" dnat to 127.0.0.1 : ");
      if (targets.size() == 1) {
        script.append(targets.get(0));
      } else {
        List<String> map = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
          map.add(i + " : " + targets.get(i));
        }
        script.append("numgen inc mod ").append(targets.size());
        script.append(" map { ").append(String.join(", ", map)).append(" }");
      }
      script.append('\n');
    }
    nftScript(script.toString());
    endpoints = List.copyOf(targets);
  }

  @Override
  public void close() {
    try {
      nft("delete", "table", "ip", table);
    } catch (IOException e) {
      System.err.println("could not delete nft table " + table + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void nftScript(String script) throws IOException, InterruptedException {
    Process process = new ProcessBuilder("nft", "-f", "-").redirectErrorStream(true).start();
    try (var in = process.getOutputStream()) {
      in.write(script.getBytes(StandardCharsets.UTF_8));
    }
    String output = new String(process.getInputStream().readAllBytes());
    if (process.waitFor() != 0) {
      throw new IOException("nft -f: " + output.strip() + "\n" + script);
    }
  }

  private static void nft(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("nft"));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    if (process.waitFor() != 0) {
      throw new IOException(String.join(" ", command) + ": " + output.strip());
    }
  }
}
