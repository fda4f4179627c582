package io.meshfed.api.agent;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The agent API's CAs an agent should trust, as {@code sha256:<hex>} pins of their public keys. The
 * operator sends them in the {@value #HEADER} header of every status answer (over TLS the agent
 * already trusts); an agent pins exactly these from then on, and says in its reports which it pins.
 * During a CA rotation the bundle holds the CA that signs now and the one that will.
 */
public final class CaBundle {
  public static final String HEADER = "Meshfed-Ca-Hashes";
  public static final String PIN_PATTERN = "^sha256:[0-9a-f]{64}$";
  public static final Pattern PIN = Pattern.compile(PIN_PATTERN);
  public static final int MAX_PINS = 8;

  private CaBundle() {}

  public static String format(Collection<String> pins) {
    return String.join(",", pins);
  }

  /**
   * The pins of a header value; empty for a missing, malformed or oversized one (an agent keeps
   * what it pins rather than trust nothing).
   */
  public static List<String> parse(String header) {
    if (header == null || header.isBlank()) {
      return List.of();
    }
    List<String> pins = Arrays.stream(header.split(",")).map(String::strip).distinct().toList();
    return pins.size() <= MAX_PINS && pins.stream().allMatch(p -> PIN.matcher(p).matches())
        ? pins
        : List.of();
  }
}
