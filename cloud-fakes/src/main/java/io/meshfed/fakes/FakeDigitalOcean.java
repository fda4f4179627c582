package io.meshfed.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The parts of the DigitalOcean v2 API meshfed uses, as documented: droplets (created {@code new},
 * {@code active} after a few reads, names not unique, listed by tag with pagination), firewalls,
 * the account, bearer-token auth, and errors as {@code {"id": …, "message": …}}.
 */
public final class FakeDigitalOcean extends FakeCloud {
  public static final Set<String> SIZES =
      Set.of("s-1vcpu-1gb", "s-1vcpu-2gb", "s-2vcpu-4gb", "s-4vcpu-8gb");
  public static final Set<String> REGIONS = Set.of("fra1", "ams3", "nyc3", "sfo3");

  private final String token;
  private final int readsUntilActive;
  private final int pageSize;
  private final Map<Long, ObjectNode> droplets = new LinkedHashMap<>();
  private final Map<Long, Integer> readsLeft = new LinkedHashMap<>();
  private final Map<String, ObjectNode> firewalls = new LinkedHashMap<>();
  private final AtomicLong ids = new AtomicLong(300_000_000);

  public FakeDigitalOcean(String token) {
    this(token, 1, 20);
  }

  /**
   * @param pageSize the most items a list returns per page, whatever per_page asks (to exercise
   *     paging)
   */
  public FakeDigitalOcean(String token, int readsUntilActive, int pageSize) {
    this.token = token;
    this.readsUntilActive = readsUntilActive;
    this.pageSize = pageSize;
  }

  /** Droplets that exist now, deleted ones excluded. */
  public synchronized List<JsonNode> droplets() {
    return List.copyOf(droplets.values());
  }

  public synchronized List<JsonNode> dropletsTagged(String tag) {
    return droplets.values().stream().filter(d -> hasTag(d, tag)).map(d -> (JsonNode) d).toList();
  }

  public synchronized List<JsonNode> firewalls() {
    return List.copyOf(firewalls.values());
  }

  @Override
  protected Reply handle(Call call) {
    if (!("Bearer " + token).equals(call.header("Authorization"))) {
      return error(401, "Unauthorized", "Unable to authenticate you");
    }
    String path = call.path();
    String method = call.method();
    if (path.equals("/v2/account") && method.equals("GET")) {
      ObjectNode account = object();
      account
          .putObject("account")
          .put("droplet_limit", 25)
          .put("status", "active")
          .put("email", "ops@example.com");
      return Reply.json(200, account);
    }
    if (path.equals("/v2/droplets") && method.equals("POST")) {
      return createDroplet(call.json());
    }
    if (path.equals("/v2/sizes") && method.equals("GET")) {
      // the catalogue as DigitalOcean documents it: memory in MB, vcpus, where it is sold
      List<JsonNode> sizes =
          SIZES.stream()
              .sorted()
              .map(
                  slug -> {
                    String[] parts = slug.split("-"); // s-2vcpu-4gb
                    ObjectNode size = object();
                    size.put("slug", slug);
                    size.put("vcpus", Integer.parseInt(parts[1].replace("vcpu", "")));
                    size.put("memory", Integer.parseInt(parts[2].replace("gb", "")) * 1024);
                    size.put("disk", 25);
                    size.put("available", true);
                    ArrayNode regions = size.putArray("regions");
                    REGIONS.stream().sorted().forEach(regions::add);
                    return (JsonNode) size;
                  })
              .toList();
      return page(call, "sizes", sizes);
    }
    if (path.equals("/v2/droplets") && method.equals("GET")) {
      String tag = query(call).get("tag_name");
      List<JsonNode> matching =
          droplets.values().stream()
              .filter(d -> tag == null || hasTag(d, tag))
              .peek(this::advance)
              .map(d -> (JsonNode) d)
              .toList();
      return page(call, "droplets", matching);
    }
    if (path.startsWith("/v2/droplets/")) {
      long id;
      try {
        id = Long.parseLong(path.substring("/v2/droplets/".length()));
      } catch (NumberFormatException e) {
        return error(404, "not_found", "The resource you were accessing could not be found.");
      }
      ObjectNode droplet = droplets.get(id);
      if (droplet == null) {
        return error(404, "not_found", "The resource you were accessing could not be found.");
      }
      if (method.equals("GET")) {
        advance(droplet);
        ObjectNode body = object();
        body.set("droplet", droplet);
        return Reply.json(200, body);
      }
      if (method.equals("DELETE")) {
        droplets.remove(id);
        return Reply.empty(204);
      }
    }
    if (path.equals("/v2/firewalls") && method.equals("POST")) {
      JsonNode request = call.json();
      if (request.path("name").asText().isEmpty()) {
        return error(422, "unprocessable_entity", "name is required");
      }
      ObjectNode firewall = ((ObjectNode) request.deepCopy());
      firewall.put("id", UUID.randomUUID().toString());
      firewall.put("status", "waiting");
      firewall.put("created_at", now());
      firewall.putArray("droplet_ids");
      firewalls.put(firewall.get("id").asText(), firewall);
      ObjectNode body = object();
      body.set("firewall", firewall);
      return Reply.json(202, body);
    }
    if (path.equals("/v2/firewalls") && method.equals("GET")) {
      return page(call, "firewalls", List.copyOf(firewalls.values()));
    }
    if (path.startsWith("/v2/firewalls/") && method.equals("DELETE")) {
      return firewalls.remove(path.substring("/v2/firewalls/".length())) == null
          ? error(404, "not_found", "The resource you were accessing could not be found.")
          : Reply.empty(204);
    }
    return error(404, "not_found", "The resource you were accessing could not be found.");
  }

  private Reply createDroplet(JsonNode request) {
    String name = request.path("name").asText("");
    if (name.isEmpty()) {
      return error(422, "unprocessable_entity", "Name is required.");
    }
    if (!SIZES.contains(request.path("size").asText())) {
      return error(
          422, "unprocessable_entity", "You specified an invalid size for Droplet creation.");
    }
    if (!REGIONS.contains(request.path("region").asText())) {
      return error(
          422, "unprocessable_entity", "You specified an invalid region for Droplet creation.");
    }
    if (request.path("image").asText().isEmpty()) {
      return error(
          422, "unprocessable_entity", "You specified an invalid image for Droplet creation.");
    }
    long id = ids.incrementAndGet();
    ObjectNode droplet = object();
    droplet.put("id", id);
    droplet.put("name", name);
    droplet.put("status", "new");
    droplet.put("created_at", now());
    droplet.put("size_slug", request.path("size").asText());
    droplet.putObject("region").put("slug", request.path("region").asText());
    droplet.putObject("image").put("slug", request.path("image").asText());
    droplet.put("user_data", request.path("user_data").asText(null));
    ArrayNode tags = droplet.putArray("tags");
    request.path("tags").forEach(tags::add);
    ObjectNode networks = droplet.putObject("networks");
    networks.putArray("v4");
    networks.putArray("v6");
    droplets.put(id, droplet);
    readsLeft.put(id, readsUntilActive);
    ObjectNode body = object();
    body.set("droplet", droplet.deepCopy());
    body.putObject("links")
        .putArray("actions")
        .addObject()
        .put("id", id + 1)
        .put("rel", "create")
        .put("href", endpoint() + "/v2/actions/" + (id + 1));
    return Reply.json(202, body);
  }

  /** A droplet becomes active, with addresses, after a few reads: creation takes a while. */
  private void advance(JsonNode node) {
    ObjectNode droplet = (ObjectNode) node;
    long id = droplet.get("id").asLong();
    int left = readsLeft.getOrDefault(id, 0);
    if (left > 0) {
      readsLeft.put(id, left - 1);
      return;
    }
    if (droplet.get("status").asText().equals("new")) {
      droplet.put("status", "active");
      ArrayNode v4 = (ArrayNode) droplet.path("networks").path("v4");
      long n = id % 250 + 1;
      // addresses of the benchmarking range: nothing here ever sends to them
      v4.addObject().put("ip_address", "198.18.7." + n).put("type", "public");
      v4.addObject().put("ip_address", "10.110.0." + n).put("type", "private");
    }
  }

  private Reply page(Call call, String key, List<JsonNode> items) {
    int perPage = Math.min(pageSize, Integer.parseInt(query(call).getOrDefault("per_page", "20")));
    int page = Integer.parseInt(query(call).getOrDefault("page", "1"));
    int from = Math.min(items.size(), (page - 1) * perPage);
    int to = Math.min(items.size(), from + perPage);
    ObjectNode body = object();
    ArrayNode array = body.putArray(key);
    new ArrayList<>(items.subList(from, to)).forEach(array::add);
    ObjectNode pages = body.putObject("links").putObject("pages");
    if (to < items.size()) {
      Map<String, String> next = new LinkedHashMap<>(query(call));
      next.put("page", String.valueOf(page + 1));
      next.put("per_page", String.valueOf(perPage));
      StringBuilder url = new StringBuilder(endpoint() + call.path() + "?");
      next.forEach(
          (k, v) ->
              url.append(k)
                  .append('=')
                  .append(URLEncoder.encode(v, StandardCharsets.UTF_8))
                  .append('&'));
      pages.put("next", url.substring(0, url.length() - 1));
    }
    body.putObject("meta").put("total", items.size());
    return Reply.json(200, body);
  }

  private static boolean hasTag(JsonNode droplet, String tag) {
    for (JsonNode t : droplet.path("tags")) {
      if (t.asText().equals(tag)) {
        return true;
      }
    }
    return false;
  }

  public static Reply error(int status, String id, String message) {
    ObjectNode body = JSON.createObjectNode().put("id", id).put("message", message);
    return Reply.json(status, body);
  }

  private static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
