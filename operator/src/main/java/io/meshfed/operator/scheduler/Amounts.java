package io.meshfed.operator.scheduler;

import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Kubernetes quantities to the scheduler's integers (millicores, bytes), and back for status and
 * messages.
 */
public final class Amounts {
  private Amounts() {}

  public static long cpuMillis(Quantity cpu) {
    return cpu == null
        ? 0
        : Quantity.getAmountInBytes(cpu)
            .movePointRight(3)
            .setScale(0, RoundingMode.CEILING)
            .longValueExact();
  }

  public static long memoryBytes(Quantity memory) {
    return memory == null
        ? 0
        : Quantity.getAmountInBytes(memory).setScale(0, RoundingMode.CEILING).longValueExact();
  }

  /** "500m", "2". */
  public static String cpu(long millis) {
    return cpuQuantity(BigDecimal.valueOf(millis).movePointLeft(3)).toString();
  }

  /** "512Mi", "4Gi". */
  public static String memory(long bytes) {
    return memoryQuantity(BigDecimal.valueOf(bytes)).toString();
  }

  /** Whole cores when they are, millicores otherwise ("3", "1500m"). */
  public static Quantity cpuQuantity(BigDecimal cores) {
    BigDecimal milli = cores.movePointRight(3).setScale(0, RoundingMode.CEILING);
    return milli.remainder(BigDecimal.valueOf(1000)).signum() == 0
        ? new Quantity(milli.divide(BigDecimal.valueOf(1000)).toPlainString())
        : new Quantity(milli.toPlainString(), "m");
  }

  /** The largest binary unit that divides the amount ("6Gi", "1536Mi"), bytes otherwise. */
  public static Quantity memoryQuantity(BigDecimal bytes) {
    long value = bytes.setScale(0, RoundingMode.CEILING).longValueExact();
    String[] units = {"Ei", "Pi", "Ti", "Gi", "Mi", "Ki"};
    for (int i = 0; i < units.length; i++) {
      long unit = 1L << (10 * (6 - i));
      if (value != 0 && value % unit == 0) {
        return new Quantity(Long.toString(value / unit), units[i]);
      }
    }
    return new Quantity(Long.toString(value));
  }
}
