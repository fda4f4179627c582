package io.meshfed.provider.digitalocean;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.provider.spi.Machine;
import io.meshfed.provider.spi.MachineProvider;
import io.meshfed.provider.spi.MachineRef;
import io.meshfed.provider.spi.MachineRequest;
import io.meshfed.provider.spi.ProviderContext;
import io.meshfed.provider.spi.ProviderException;
import io.meshfed.provider.spi.Tags;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;

/**
 * Droplets as peers, over the DigitalOcean v2 REST API. Droplet names are not unique at
 * DigitalOcean, so a name proves nothing: every droplet carries the tags {@code
 * meshfed-cluster:<cluster UID>} and {@code meshfed-peer:<peer UID>}, and {@link #ensure} lists by
 * the peer's tag before it creates. One cloud firewall per cluster, applied by the cluster's tag,
 * opens the WireGuard UDP port.
 *
 * <p>Credentials Secret key: {@code token} (a read-write API token). Settings: {@code region},
 * optional {@code endpoint} (default https://api.digitalocean.com).
 */
public class DigitalOceanMachineProvider implements MachineProvider {
  public static final String NAME = "digitalocean";
  static final String CLUSTER_TAG = "meshfed-cluster:";
  static final String PEER_TAG = "meshfed-peer:";
  static final String DEFAULT_SIZE = "s-1vcpu-2gb";
  static final String DEFAULT_IMAGE = "debian-12-x64";
  private static final HttpUrl PUBLIC_API = HttpUrl.get("https://api.digitalocean.com");

  private final OkHttpClient http =
      new OkHttpClient.Builder()
          .connectTimeout(Duration.ofSeconds(10))
          .readTimeout(Duration.ofSeconds(30))
          .callTimeout(Duration.ofSeconds(60))
          .build();

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Machine ensure(ProviderContext context, MachineRequest request) throws ProviderException {
    DoApi api = api(context);
    Optional<Machine> existing = byTag(api, PEER_TAG + request.peerId()).stream().findFirst();
    if (existing.isPresent()) {
      return existing.get();
    }
    ensureFirewall(api, context, request.listenPort());
    String region = context.region(request.region(), NAME);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", request.peerName());
    body.put("region", region);
    body.put("size", request.instanceType() == null ? DEFAULT_SIZE : request.instanceType());
    body.put("image", request.image() == null ? DEFAULT_IMAGE : request.image());
    body.put("ipv6", true);
    body.put("tags", List.of(CLUSTER_TAG + request.clusterId(), PEER_TAG + request.peerId()));
    if (request.userData() != null) {
      body.put("user_data", request.userData());
    }
    JsonNode created =
        api.post("/v2/droplets", body, "creating the droplet of peer " + request.peerName());
    return machine(created.path("droplet"));
  }

  @Override
  public Optional<Machine> find(ProviderContext context, MachineRef ref) throws ProviderException {
    DoApi api = api(context);
    String id = dropletId(ref.providerID());
    if (id == null) {
      return byTag(api, PEER_TAG + ref.peerId()).stream().findFirst();
    }
    return api.get("/v2/droplets/" + id, "finding droplet " + id)
        .map(body -> machine(body.path("droplet")));
  }

  @Override
  public void delete(ProviderContext context, MachineRef ref) throws ProviderException {
    DoApi api = api(context);
    List<String> ids = new ArrayList<>();
    if (dropletId(ref.providerID()) != null) {
      ids.add(dropletId(ref.providerID()));
    }
    // and by tag: a droplet created but not yet recorded has no providerID in the Peer
    if (ref.peerId() != null) {
      for (Machine m : byTag(api, PEER_TAG + ref.peerId())) {
        String id = dropletId(m.providerID());
        if (!ids.contains(id)) {
          ids.add(id);
        }
      }
    }
    for (String id : ids) {
      // the droplet's disk goes with it; its public addresses are released
      api.delete("/v2/droplets/" + id, "deleting droplet " + id);
    }
  }

  @Override
  public List<Machine> list(ProviderContext context, String clusterId) throws ProviderException {
    return byTag(api(context), CLUSTER_TAG + clusterId);
  }

  @Override
  public void verifyCredentials(ProviderContext context) throws ProviderException {
    api(context).get("/v2/account", "checking the token with GET /v2/account");
  }

  @Override
  public void releaseCluster(ProviderContext context) throws ProviderException {
    DoApi api = api(context);
    for (JsonNode firewall : firewalls(api, context)) {
      api.delete(
          "/v2/firewalls/" + firewall.path("id").asText(), "deleting the cluster's firewall");
    }
  }

  /** One firewall per cluster, applied to its droplets by tag: WireGuard in, everything out. */
  private void ensureFirewall(DoApi api, ProviderContext context, int listenPort)
      throws ProviderException {
    if (!firewalls(api, context).isEmpty()) {
      return;
    }
    List<String> anywhere = List.of("0.0.0.0/0", "::/0");
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", firewallName(context));
    body.put(
        "inbound_rules",
        List.of(
            Map.of(
                "protocol",
                "udp",
                "ports",
                String.valueOf(listenPort),
                "sources",
                Map.of("addresses", anywhere))));
    // a DigitalOcean firewall drops what it does not allow, outbound too
    body.put(
        "outbound_rules",
        List.of(
            Map.of(
                "protocol", "tcp", "ports", "all", "destinations", Map.of("addresses", anywhere)),
            Map.of(
                "protocol", "udp", "ports", "all", "destinations", Map.of("addresses", anywhere)),
            Map.of("protocol", "icmp", "destinations", Map.of("addresses", anywhere))));
    body.put("tags", List.of(CLUSTER_TAG + context.clusterId()));
    api.post("/v2/firewalls", body, "creating the cluster's WireGuard firewall");
  }

  private static List<JsonNode> firewalls(DoApi api, ProviderContext context)
      throws ProviderException {
    List<JsonNode> found = new ArrayList<>();
    for (JsonNode page : pages(api, "/v2/firewalls?per_page=200", "listing firewalls")) {
      page.path("firewalls")
          .forEach(
              f -> {
                if (firewallName(context).equals(f.path("name").asText())) {
                  found.add(f);
                }
              });
    }
    return found;
  }

  static String firewallName(ProviderContext context) {
    return "meshfed-" + context.clusterId();
  }

  private static List<Machine> byTag(DoApi api, String tag) throws ProviderException {
    List<Machine> machines = new ArrayList<>();
    for (JsonNode page :
        pages(api, "/v2/droplets?per_page=200&tag_name=" + tag, "listing droplets tagged " + tag)) {
      page.path("droplets").forEach(d -> machines.add(machine(d)));
    }
    return machines;
  }

  @Override
  public Optional<InstanceCapacity> capacity(
      ProviderContext context, String region, String instanceType) throws ProviderException {
    String slug = instanceType == null ? DEFAULT_SIZE : instanceType;
    for (JsonNode page : pages(api(context), "/v2/sizes?per_page=200", "listing droplet sizes")) {
      for (JsonNode size : page.path("sizes")) {
        if (slug.equals(size.path("slug").asText())) {
          return Optional.of(
              new InstanceCapacity(
                  size.path("vcpus").asLong() * 1000, size.path("memory").asLong() * 1024 * 1024));
        }
      }
    }
    return Optional.empty();
  }

  /** Follows {@code links.pages.next} to the end. */
  private static List<JsonNode> pages(DoApi api, String firstPath, String doing)
      throws ProviderException {
    List<JsonNode> pages = new ArrayList<>();
    String path = firstPath;
    for (int guard = 0; path != null && guard < 1000; guard++) {
      Optional<JsonNode> page = api.get(path, doing);
      if (page.isEmpty()) {
        break;
      }
      pages.add(page.get());
      String next = page.get().path("links").path("pages").path("next").asText(null);
      path = next == null ? null : pathOf(next);
    }
    return pages;
  }

  private static String pathOf(String url) {
    HttpUrl parsed = HttpUrl.get(url);
    return parsed.encodedPath()
        + (parsed.encodedQuery() == null ? "" : "?" + parsed.encodedQuery());
  }

  static Machine machine(JsonNode droplet) {
    String publicAddress = null;
    String privateAddress = null;
    for (JsonNode network : droplet.path("networks").path("v4")) {
      if ("public".equals(network.path("type").asText()) && publicAddress == null) {
        publicAddress = network.path("ip_address").asText();
      } else if ("private".equals(network.path("type").asText()) && privateAddress == null) {
        privateAddress = network.path("ip_address").asText();
      }
    }
    Map<String, String> tags = new LinkedHashMap<>();
    droplet
        .path("tags")
        .forEach(
            t -> {
              String tag = t.asText();
              if (tag.startsWith(CLUSTER_TAG)) {
                tags.put(Tags.CLUSTER, tag.substring(CLUSTER_TAG.length()));
              } else if (tag.startsWith(PEER_TAG)) {
                tags.put(Tags.PEER, tag.substring(PEER_TAG.length()));
              }
            });
    tags.put(Tags.PEER_NAME, droplet.path("name").asText());
    String createdAt = droplet.path("created_at").asText(null);
    return new Machine(
        "digitalocean://" + droplet.path("id").asText(),
        switch (droplet.path("status").asText()) {
          case "new" -> Machine.MachineState.PENDING;
          case "active" -> Machine.MachineState.RUNNING;
          case "archive" -> Machine.MachineState.TERMINATED;
          default -> Machine.MachineState.STOPPING; // off
        },
        publicAddress,
        privateAddress,
        tags,
        createdAt == null ? null : Instant.parse(createdAt));
  }

  static String dropletId(String providerID) {
    return providerID == null || !providerID.startsWith("digitalocean://")
        ? null
        : providerID.substring("digitalocean://".length());
  }

  private DoApi api(ProviderContext context) throws ProviderException {
    String token = context.credentials().get("token");
    if (token == null || token.isBlank()) {
      throw ProviderException.permanent(
          "InvalidCredentials",
          "the digitalocean credentials Secret needs the key token (an API token with write scope)",
          null);
    }
    String endpoint = context.settings().get("endpoint");
    return new DoApi(http, endpoint == null ? PUBLIC_API : HttpUrl.get(endpoint), token);
  }
}
