package io.meshfed.api.agent;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The three bearer strings of the protocol, {@code <kind>:<namespace>:<name>:<secret>}: the part
 * before the secret says where to look it up (like kubeadm's token id), the secret is 64 hex digits
 * of which only a hash is kept where the server can.
 */
public record Tokens(Kind kind, String namespace, String name, String secret) {
  public enum Kind {
    /** a cluster's join token: any host may join with it until it expires */
    CLUSTER("mfj"),
    /** a one-time token bound to one Peer, handed to its machine at boot */
    BOOTSTRAP("mfb"),
    /** a peer's own credential for netmap and status */
    PEER("mfp");

    final String prefix;

    Kind(String prefix) {
      this.prefix = prefix;
    }
  }

  /** A DNS subdomain, as Kubernetes names namespaces (labels, a subset) and Peers. */
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

  /** Compiled once: every agent request parses its credential (hundreds a second). */
  private static final Pattern SECRET = Pattern.compile("[0-9a-f]{64}");

  public static Optional<Tokens> parse(String value) {
    if (value == null) {
      return Optional.empty();
    }
    String[] parts = value.trim().split(":", 4);
    // namespace and name become parts of API paths: only what Kubernetes names may be
    if (parts.length != 4
        || !NAME.matcher(parts[1]).matches()
        || !NAME.matcher(parts[2]).matches()
        || !SECRET.matcher(parts[3]).matches()) {
      return Optional.empty();
    }
    for (Kind kind : Kind.values()) {
      if (kind.prefix.equals(parts[0])) {
        return Optional.of(new Tokens(kind, parts[1], parts[2], parts[3]));
      }
    }
    return Optional.empty();
  }

  public static String format(Kind kind, String namespace, String name, String secret) {
    return kind.prefix + ":" + namespace + ":" + name + ":" + secret;
  }

  /** The full bearer string. */
  public String value() {
    return format(kind, namespace, name, secret);
  }

  /** Never the secret: tokens end up in log lines. */
  @Override
  public String toString() {
    return kind.prefix + ":" + namespace + ":" + name + ":…";
  }
}
