package io.meshfed.agent;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** {@code wg show <if> dump}, parsed: the interface line, then one line per peer, tab-separated. */
public record WgDump(String publicKey, int listenPort, Map<String, Peer> peers) {

  /** One WireGuard peer as the interface has it now. */
  public record Peer(
      String publicKey,
      String endpoint,
      Set<String> allowedIps,
      long latestHandshake,
      long rxBytes,
      long txBytes,
      int keepalive) {}

  public static WgDump parse(String dump) {
    String[] lines = dump.strip().split("\n");
    if (lines.length == 0 || lines[0].isBlank()) {
      throw new IllegalArgumentException("empty wg dump");
    }
    String[] own = lines[0].split("\t");
    if (own.length < 3) {
      throw new IllegalArgumentException("not a wg interface line: " + lines[0]);
    }
    Map<String, Peer> peers = new LinkedHashMap<>();
    for (String line : Arrays.asList(lines).subList(1, lines.length)) {
      String[] f = line.split("\t");
      if (f.length < 8) {
        throw new IllegalArgumentException("not a wg peer line: " + line);
      }
      Set<String> allowed = new TreeSet<>();
      if (!f[3].equals("(none)")) {
        allowed.addAll(Arrays.asList(f[3].split(",")));
      }
      peers.put(
          f[0],
          new Peer(
              f[0],
              f[2].equals("(none)") ? null : f[2],
              allowed,
              Long.parseLong(f[4]),
              Long.parseLong(f[5]),
              Long.parseLong(f[6]),
              f[7].equals("off") ? 0 : Integer.parseInt(f[7])));
    }
    return new WgDump(own[1], Integer.parseInt(own[2]), peers);
  }

  public List<Peer> peerList() {
    return new ArrayList<>(peers.values());
  }
}
