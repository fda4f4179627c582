package io.meshfed.e2e;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * A Kubernetes Service on this host, the way kube-proxy makes one: a port on 127.0.0.1 that the
 * kernel rewrites (nftables DNAT in the output hook) to the port of the endpoint it selects now.
 * New connections follow the endpoint; established ones stay where they went, as with kube-proxy's
 * conntrack. Costs no CPU in the JVM that uses it, which a forwarding proxy would. Needs root and
 * nft; the table is removed on close.
 */
public final class LoopbackService implements AutoCloseable {
  private final String table;
  private final int port;
  private OptionalInt endpoint = OptionalInt.empty();

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

  /** The port new connections go to now; empty: none (refused). */
  public synchronized OptionalInt endpoint() {
    return endpoint;
  }

  /** New connections to the service go to {@code target} on 127.0.0.1 from now on. */
  public synchronized void route(OptionalInt target) throws IOException, InterruptedException {
    if (target.equals(endpoint)) {
      return;
    }
    nft("flush", "chain", "ip", table, "output");
    if (target.isPresent()) {
      nft(
          "add",
          "rule",
          "ip",
          table,
          "output",
          "ip",
          "daddr",
          "127.0.0.1",
          "tcp",
          "dport",
          Integer.toString(port),
          "dnat",
          "to",
          "127.0.0.1:" + target.getAsInt());
    }
    endpoint = target;
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
