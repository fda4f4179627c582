package io.meshfed.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.operator.testing.KubeApiServerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/** The endpoints a Deployment's probes use. */
@QuarkusTest
@QuarkusTestResource(KubeApiServerResource.class)
class HealthTest {

  @Test
  void livenessAndReadinessReportUpWithTheControllers() throws Exception {
    int port = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
    HttpClient http = HttpClient.newHttpClient();
    for (String probe : new String[] {"live", "ready"}) {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/q/health/" + probe))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(probe).isEqualTo(200);
      assertThat(response.body()).contains("\"status\": \"UP\"");
    }
    HttpResponse<String> ready =
        http.send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/q/health/ready"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    // the operator SDK's check lists each controller's informers
    assertThat(ready.body()).contains("meshcluster").contains("peer");
  }
}
