package io.meshfed.operator.scheduler;

import java.util.Objects;

/** What replicas of one workload are spread across. */
public enum Spread {
  PEER,
  PROVIDER,
  REGION;

  /** The spec's value (Peer | Provider | Region); null means Peer. */
  public static Spread of(String value) {
    if (value == null) {
      return PEER;
    }
    switch (value) {
      case "Provider":
        return PROVIDER;
      case "Region":
        return REGION;
      default:
        return PEER;
    }
  }

  String keyOf(Node node) {
    switch (this) {
      case PROVIDER:
        return Objects.toString(node.provider());
      case REGION:
        return Objects.toString(node.region(), "");
      default:
        return node.name();
    }
  }
}
