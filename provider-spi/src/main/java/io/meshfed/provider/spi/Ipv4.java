package io.meshfed.provider.spi;

/** Dotted quads as ints: for providers handing out underlay addresses and agents their subnet's. */
public final class Ipv4 {
  private Ipv4() {}

  public static int parse(String dotted) {
    String[] parts = dotted.split("\\.");
    if (parts.length != 4) {
      throw new IllegalArgumentException("not an IPv4 address: " + dotted);
    }
    int value = 0;
    for (String part : parts) {
      int octet = Integer.parseInt(part);
      if (octet < 0 || octet > 255) {
        throw new IllegalArgumentException("not an IPv4 address: " + dotted);
      }
      value = (value << 8) | octet;
    }
    return value;
  }

  /** Whether the address is inside the network, both dotted ("100.64.0.0/16"). */
  public static boolean inside(String address, String cidr) {
    int slash = cidr.indexOf('/');
    int prefix = Integer.parseInt(cidr.substring(slash + 1));
    int mask = prefix == 0 ? 0 : -1 << (32 - prefix);
    return (parse(address) & mask) == (parse(cidr.substring(0, slash)) & mask);
  }

  public static String format(int value) {
    return ((value >>> 24) & 0xff)
        + "."
        + ((value >>> 16) & 0xff)
        + "."
        + ((value >>> 8) & 0xff)
        + "."
        + (value & 0xff);
  }
}
