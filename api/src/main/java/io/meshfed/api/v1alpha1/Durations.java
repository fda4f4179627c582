package io.meshfed.api.v1alpha1;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Go-style durations ("90s", "1h30m", "250ms"), the form Kubernetes users know. */
public final class Durations {
  /** One or more number+unit groups; units ms, s, m, h. */
  public static final String PATTERN = "^([0-9]+(ms|s|m|h))+$";

  private static final Pattern GROUP = Pattern.compile("([0-9]+)(ms|s|m|h)");

  private Durations() {}

  /** Parses a duration of {@link #PATTERN}; throws IllegalArgumentException otherwise. */
  public static Duration parse(String text) {
    if (text == null || !text.matches(PATTERN)) {
      throw new IllegalArgumentException(
          "not a duration: \"" + text + "\" (expected forms like 30s, 5m, 1h30m)");
    }
    Duration total = Duration.ZERO;
    Matcher m = GROUP.matcher(text);
    while (m.find()) {
      long n = Long.parseLong(m.group(1));
      total =
          total.plus(
              switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
              });
    }
    return total;
  }
}
