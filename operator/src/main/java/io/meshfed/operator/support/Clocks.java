package io.meshfed.operator.support;

import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;

/**
 * The one clock the operator reads time from. Tests that move time replace it with a bean of their
 * own; nothing in the operator calls {@code Instant.now()}.
 */
@Singleton
public class Clocks {
  @Produces
  @Singleton
  @DefaultBean
  Clock clock() {
    return Clock.systemUTC();
  }
}
