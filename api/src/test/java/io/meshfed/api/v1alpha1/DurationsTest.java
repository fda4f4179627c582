package io.meshfed.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {
  @Test
  void parsesGoStyleDurations() {
    assertThat(Durations.parse("90s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(Durations.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(Durations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(Durations.parse("0s")).isZero();
    assertThat(Durations.parse("2h5m3s")).isEqualTo(Duration.ofSeconds(2 * 3600 + 5 * 60 + 3));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "10", "1d", "-5s", "1.5h", "5 m"})
  void rejectsAnythingElseWithTheText(String bad) {
    assertThatThrownBy(() -> Durations.parse(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"" + bad + "\"");
  }
}
