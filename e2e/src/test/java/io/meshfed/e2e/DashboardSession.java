package io.meshfed.e2e;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * {@code kubectl meshfed dashboard} as a process (the plugin's jar, a kubeconfig) and Debian's
 * chromium, headless, driven through its chromedriver: what the dashboard's browser tests share.
 */
final class DashboardSession implements AutoCloseable {
  static final Path SHOTS = Path.of("target/dashboard");

  final Process plugin;
  final String url;
  final WebDriver browser;

  private DashboardSession(Process plugin, String url, WebDriver browser) {
    this.plugin = plugin;
    this.url = url;
    this.browser = browser;
  }

  static DashboardSession start(Path kubeconfig, String namespace, String cluster)
      throws Exception {
    Process plugin =
        new ProcessBuilder(
                ProcessHandle.current().info().command().orElse("java"),
                "-jar",
                Path.of(System.getProperty("meshfed.cli.jar")).toString(),
                "--kubeconfig",
                kubeconfig.toString(),
                "-n",
                namespace,
                "dashboard",
                cluster,
                "--no-browser")
            .redirectErrorStream(true)
            .start();
    WebDriver browser = null;
    try {
      String url = firstUrl(plugin);
      ChromeOptions options = new ChromeOptions();
      options.setBinary("/usr/bin/chromium");
      // as root in a closed network: no sandbox, nothing that calls home
      options.addArguments(
          "--headless=new",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-dev-shm-usage",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--window-size=1400,1000",
          "--user-data-dir=" + Files.createTempDirectory("chromium"));
      ChromeDriverService service =
          new ChromeDriverService.Builder()
              .usingDriverExecutable(Path.of("/usr/bin/chromedriver").toFile())
              .usingAnyFreePort()
              .build();
      browser = new ChromeDriver(service, options);
      browser.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
      return new DashboardSession(plugin, url, browser);
    } catch (Exception | Error e) {
      if (browser != null) {
        browser.quit();
      }
      stop(plugin);
      throw e;
    }
  }

  Object script(String js) {
    return ((JavascriptExecutor) browser).executeScript(js);
  }

  void screenshot(String name) throws Exception {
    Files.createDirectories(SHOTS);
    Files.write(SHOTS.resolve(name), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
  }

  @Override
  public void close() {
    try {
      browser.quit();
    } finally {
      stop(plugin);
    }
  }

  private static void stop(Process plugin) {
    plugin.destroy();
    plugin.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(e -> null).join();
    plugin.destroyForcibly();
  }

  /** The plugin prints the address first; its other lines are kept for a failure's message. */
  private static String firstUrl(Process process) throws Exception {
    BufferedReader lines =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    List<String> seen = new ArrayList<>();
    CompletableFuture<String> found =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                for (String line; (line = lines.readLine()) != null; ) {
                  seen.add(line);
                  int at = line.indexOf("http://127.0.0.1:");
                  if (at >= 0) {
                    return line.substring(at).strip();
                  }
                }
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
              throw new IllegalStateException("the plugin ended: " + seen);
            });
    String address = found.get(60, TimeUnit.SECONDS);
    // keep draining its output so it never blocks on a full pipe
    Thread drain =
        new Thread(
            () -> {
              try {
                while (lines.readLine() != null) {
                  // discard
                }
              } catch (Exception ended) {
                // the plugin stopped
              }
            });
    drain.setDaemon(true);
    drain.start();
    return address;
  }
}
