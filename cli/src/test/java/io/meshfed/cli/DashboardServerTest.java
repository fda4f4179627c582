package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class DashboardServerTest {
  final HttpClient http = HttpClient.newHttpClient();

  @Test
  void thePageSetsItsCookieAndTheApiWantsIt() throws Exception {
    try (DashboardServer server = new DashboardServer(0, () -> "{\"v\":1}")) {
      URI page = URI.create(server.url());
      HttpResponse<String> opened = get(page, null);
      assertThat(opened.statusCode()).isEqualTo(200);
      assertThat(opened.body()).contains("<title>meshfed dashboard</title>");
      String cookie = opened.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];

      assertThat(get(page.resolve("/api/view"), null).statusCode()).isEqualTo(401);
      assertThat(get(page.resolve("/api/view"), "meshfed-dashboard=wrong").statusCode())
          .isEqualTo(401);
      HttpResponse<String> view = get(page.resolve("/api/view"), cookie);
      assertThat(view.statusCode()).isEqualTo(200);
      assertThat(view.body()).isEqualTo("{\"v\":1}");
      // the graph library comes from the jar, at the WebJar's version
      HttpResponse<String> library = get(page.resolve("/assets/cytoscape.min.js"), null);
      assertThat(library.statusCode()).isEqualTo(200);
      assertThat(library.body()).contains("cytoscape");
      assertThat(get(page.resolve("/etc/passwd"), cookie).statusCode()).isEqualTo(404);
    }
  }

  @Test
  void aStreamGetsTheCurrentDocumentThenEachNewOne() throws Exception {
    AtomicReference<String> current = new AtomicReference<>("{\"v\":1}");
    try (DashboardServer server = new DashboardServer(0, current::get)) {
      URI page = URI.create(server.url());
      String cookie =
          get(page, null).headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
      HttpResponse<InputStream> stream =
          http.send(
              HttpRequest.newBuilder(page.resolve("/api/stream"))
                  .header("Cookie", cookie)
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofInputStream());
      assertThat(stream.headers().firstValue("Content-Type")).hasValue("text/event-stream");
      BufferedReader lines =
          new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8));
      assertThat(lines.readLine()).isEqualTo("data: {\"v\":1}");
      assertThat(lines.readLine()).isEmpty();
      current.set("{\"v\":2}");
      server.publish(current.get());
      assertThat(lines.readLine()).isEqualTo("data: {\"v\":2}");
      stream.body().close();
    }
  }

  private HttpResponse<String> get(URI uri, String cookie) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10));
    if (cookie != null) {
      request.header("Cookie", cookie);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
