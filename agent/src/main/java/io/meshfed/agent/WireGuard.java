package io.meshfed.agent;

import io.meshfed.api.agent.MapPeer;
import io.meshfed.api.agent.SelfConfig;
import io.meshfed.provider.spi.Command;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * The WireGuard interface, driven with the real tools: {@code ip link add … type wireguard} where
 * the kernel has WireGuard, {@code wireguard-go} where it does not ({@link
 * WireGuardImplementation}); {@code wg set} for keys and peers; {@code ip} for the address and the
 * route of the cluster network.
 */
public final class WireGuard {
  private static final Logger LOG = Logger.getLogger(WireGuard.class.getName());
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final String name;
  private final Optional<String> configuredUserspace;
  private volatile KeyPair lastKey;

  /**
   * @param configuredUserspace a wireguard-go binary to prefer where the kernel has no WireGuard
   */
  public WireGuard(String name, Optional<String> configuredUserspace) {
    this.name = name;
    this.configuredUserspace = configuredUserspace;
  }

  public String name() {
    return name;
  }

  /**
   * Makes the interface if it is missing, with the kernel's WireGuard or else the best userspace
   * one; an interface that survived an agent restart is kept, and {@code remembered} (what made it)
   * returned.
   */
  public WireGuardImplementation ensureInterface(Optional<WireGuardImplementation> remembered) {
    if (exists()) {
      return remembered.orElseGet(this::recognise);
    }
    var kernel =
        Command.run(TIMEOUT, null, List.of("ip", "link", "add", name, "type", "wireguard"));
    if (kernel.ok()) {
      LOG.info(() -> "created kernel WireGuard interface " + name);
      return WireGuardImplementation.kernel();
    }
    configuredUserspace
        .filter(binary -> !WireGuardImplementation.executable(binary))
        .ifPresent(
            binary ->
                LOG.warning(
                    "the configured wireguard-go "
                        + binary
                        + " is not an executable file; using the next one"));
    String failures = "";
    for (String binary :
        WireGuardImplementation.userspaceCandidates(
            configuredUserspace, WireGuardImplementation::executable)) {
      // no WireGuard in this kernel: the userspace implementation makes a TUN device and daemonizes
      var started = Command.run(Duration.ofSeconds(20), null, List.of(binary, name));
      if (started.ok() && exists()) {
        WireGuardImplementation userspace =
            new WireGuardImplementation(
                WireGuardImplementation.USERSPACE,
                binary,
                WireGuardImplementation.versionOf(binary));
        LOG.info(
            () ->
                "created userspace WireGuard interface "
                    + name
                    + " ("
                    + userspace.describe()
                    + ", "
                    + binary
                    + "; the kernel said: "
                    + kernel.stderr().strip()
                    + ")");
        return userspace;
      }
      failures += "; " + binary + ": " + (started.stderr() + started.stdout()).strip();
    }
    throw new IllegalStateException(
        "cannot create WireGuard interface "
            + name
            + ": the kernel said "
            + kernel.stderr().strip()
            + failures);
  }

  /** An interface found, not made: the kernel's if it says so, else some userspace one. */
  private WireGuardImplementation recognise() {
    String details = Command.run(TIMEOUT, null, List.of("ip", "-d", "link", "show", name)).stdout();
    return details.contains("wireguard")
        ? WireGuardImplementation.kernel()
        : new WireGuardImplementation(WireGuardImplementation.USERSPACE, null, null);
  }

  public boolean exists() {
    return Command.run(TIMEOUT, null, List.of("ip", "link", "show", name)).ok();
  }

  /** Key, port, address, MTU, and the route of the whole cluster network over the interface. */
  public void configure(Path privateKey, SelfConfig self) {
    WgDump current = dump();
    if (current.listenPort() != self.listenPort()
        || !current.publicKey().equals(publicKeyOf(privateKey))) {
      Command.check(
          TIMEOUT,
          List.of(
              "wg",
              "set",
              name,
              "private-key",
              privateKey.toString(),
              "listen-port",
              Integer.toString(self.listenPort())));
    }
    Command.check(
        TIMEOUT, List.of("ip", "address", "replace", self.meshAddress() + "/32", "dev", name));
    List<String> up = new ArrayList<>(List.of("ip", "link", "set", name));
    if (self.mtu() != null) {
      up.addAll(List.of("mtu", Integer.toString(self.mtu())));
    }
    up.add("up");
    Command.check(TIMEOUT, up);
    Command.check(TIMEOUT, List.of("ip", "route", "replace", self.clusterCidr(), "dev", name));
    if (Boolean.TRUE.equals(self.relay())) {
      // a gateway relays for pairs that cannot reach each other: in on the interface, out again
      try {
        Files.writeString(Path.of("/proc/sys/net/ipv4/ip_forward"), "1");
      } catch (IOException e) {
        LOG.warning(
            "cannot turn on IPv4 forwarding, so this gateway relays nothing: " + e.getMessage());
      }
    }
  }

  /** Brings the peers in line with the map; returns how many peer clauses it changed. */
  public int syncPeers(Collection<MapPeer> wanted, SelfConfig self) {
    return apply(
        PeerDiff.between(
            dump(),
            wanted,
            self == null ? null : self.site(),
            self == null ? null : self.persistentKeepalive(),
            Instant.now().getEpochSecond()));
  }

  /** One {@code wg set} with these peer clauses; returns how many there were. */
  public int apply(List<PeerDiff.Change> changes) {
    if (changes.isEmpty()) {
      return 0;
    }
    List<String> argv = new ArrayList<>(List.of("wg", "set", name));
    changes.forEach(c -> argv.addAll(c.args()));
    Command.check(TIMEOUT, argv);
    return changes.size();
  }

  public WgDump dump() {
    return WgDump.parse(Command.check(TIMEOUT, List.of("wg", "show", name, "dump")));
  }

  public static String generatePrivateKey() {
    return Command.check(TIMEOUT, List.of("wg", "genkey")).strip();
  }

  /**
   * Whether the interface holds another key than the file: the public key of the file is remembered
   * for its content, so asking every few seconds runs {@code wg pubkey} only after a change.
   */
  public boolean holdsAnotherKey(WgDump current, Path privateKey) {
    String key;
    try {
      key = Files.readString(privateKey).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    KeyPair known = lastKey;
    if (known == null || !known.privateKey().equals(key)) {
      known = new KeyPair(key, publicKeyOf(privateKey));
      lastKey = known;
    }
    return !known.publicKey().equals(current.publicKey());
  }

  private record KeyPair(String privateKey, String publicKey) {
    @Override
    public String toString() {
      return "KeyPair[" + publicKey + "]"; // never the private key
    }
  }

  public static String publicKeyOf(Path privateKey) {
    try {
      return Command.check(TIMEOUT, Files.readString(privateKey), List.of("wg", "pubkey")).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
