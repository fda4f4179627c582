package io.meshfed.operator.ipam;

/**
 * How a cluster CIDR divides into peer subnets: subnet {@code i} is the i-th block of {@code
 * 2^(32-peerPrefix)} addresses, and its mesh address is the block's first host.
 */
public record SubnetPlan(long base, int clusterPrefix, int peerPrefix) {

  public SubnetPlan {
    if (clusterPrefix < 0 || clusterPrefix > 32 || peerPrefix <= clusterPrefix || peerPrefix > 30) {
      throw new IllegalArgumentException(
          "peer subnet prefix /"
              + peerPrefix
              + " must be longer than the cluster prefix /"
              + clusterPrefix
              + " and at most /30");
    }
  }

  /** Parses "100.64.0.0/16". */
  public static SubnetPlan of(String cidr, int peerPrefix) {
    int slash = cidr.indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException("not a CIDR: " + cidr);
    }
    long address = parseIpv4(cidr.substring(0, slash));
    int prefix = Integer.parseInt(cidr.substring(slash + 1));
    long mask = prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
    if ((address & mask) != address) {
      throw new IllegalArgumentException(cidr + " has host bits set");
    }
    return new SubnetPlan(address, prefix, peerPrefix);
  }

  /** Number of peer subnets the cluster CIDR holds. */
  public long size() {
    return 1L << (peerPrefix - clusterPrefix);
  }

  /** The subnet with this index, as "a.b.c.d/p". */
  public String subnet(long index) {
    return format(start(index)) + "/" + peerPrefix;
  }

  /** The mesh address of the subnet with this index: its first host. */
  public String meshAddress(long index) {
    return format(start(index) + 1);
  }

  /** Index of a subnet in "a.b.c.d/p" form, or -1 when it is not one of this plan's subnets. */
  public long indexOf(String subnet) {
    int slash = subnet.indexOf('/');
    if (slash < 0 || Integer.parseInt(subnet.substring(slash + 1)) != peerPrefix) {
      return -1;
    }
    long offset = parseIpv4(subnet.substring(0, slash)) - base;
    long blockSize = 1L << (32 - peerPrefix);
    if (offset < 0 || offset % blockSize != 0 || offset / blockSize >= size()) {
      return -1;
    }
    return offset / blockSize;
  }

  private long start(long index) {
    if (index < 0 || index >= size()) {
      throw new IndexOutOfBoundsException("subnet " + index + " of " + size());
    }
    return base + (index << (32 - peerPrefix));
  }

  static long parseIpv4(String text) {
    String[] parts = text.split("\\.", -1);
    if (parts.length != 4) {
      throw new IllegalArgumentException("not an IPv4 address: " + text);
    }
    long value = 0;
    for (String part : parts) {
      int octet = Integer.parseInt(part);
      if (octet < 0 || octet > 255) {
        throw new IllegalArgumentException("not an IPv4 address: " + text);
      }
      value = (value << 8) | octet;
    }
    return value;
  }

  static String format(long address) {
    return ((address >> 24) & 0xFF)
        + "."
        + ((address >> 16) & 0xFF)
        + "."
        + ((address >> 8) & 0xFF)
        + "."
        + (address & 0xFF);
  }
}
