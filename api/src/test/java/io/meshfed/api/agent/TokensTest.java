package io.meshfed.api.agent;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TokensTest {
  static final String SECRET = "ab".repeat(32);

  @Test
  void tokensNameANamespaceAndAPeerOrCluster() {
    assertThat(Tokens.parse("mfj:default:demo:" + SECRET))
        .hasValueSatisfying(
            t -> {
              assertThat(t.kind()).isEqualTo(Tokens.Kind.CLUSTER);
              assertThat(t.namespace()).isEqualTo("default");
              assertThat(t.name()).isEqualTo("demo");
            });
    assertThat(Tokens.parse("mfp:team-a:office.nas:" + SECRET)).isPresent();
  }

  @Test
  void nothingThatIsNotAKubernetesNameReachesAnApiPath() {
    for (String bad :
        new String[] {
          "mfj:../kube-system:demo:",
          "mfj:default:demo/../../x:",
          "mfj:default:demo?watch=1:",
          "mfj:Default:demo:",
          "mfj::demo:",
          "mfj:default:-demo:",
          "mfj:default:%2e%2e:",
          "mfb:default:" + "a".repeat(254) + ":"
        }) {
      assertThat(Tokens.parse(bad + SECRET)).as(bad).isEmpty();
    }
    assertThat(Tokens.parse("mfj:default:demo:" + SECRET.toUpperCase())).isEmpty();
    assertThat(Tokens.parse("mfx:default:demo:" + SECRET)).isEmpty();
  }
}
