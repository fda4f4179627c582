package io.meshfed.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.Signature;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parts of the Compute Engine v1 REST API meshfed uses, as documented: OAuth 2.0 service
 * account tokens (a signed JWT exchanged at the token endpoint; the signature is checked),
 * instances (insert → a zone operation that runs, then finishes; PROVISIONING → STAGING → RUNNING;
 * 409 on a taken name; requestId deduplication), aggregated lists with label filters and paging,
 * zone and global operations, firewalls, projects, and errors as {@code {"error": {code, message,
 * status, errors: [{reason}]}}}.
 */
public final class FakeGce extends FakeCloud {
  public static final String PROJECT = "meshfed-test";
  public static final Set<String> MACHINE_TYPES =
      Set.of("e2-micro", "e2-small", "e2-medium", "n2-standard-2");
  private static final Pattern INSTANCES =
      Pattern.compile("/compute/v1/projects/([^/]+)/zones/([^/]+)/instances(?:/([^/]+))?");
  private static final Pattern OPERATION =
      Pattern.compile("/compute/v1/projects/([^/]+)/(zones/[^/]+|global)/operations/([^/]+)");
  private static final Pattern MACHINE_TYPE =
      Pattern.compile("/compute/v1/projects/([^/]+)/zones/([^/]+)/machineTypes/([^/]+)");

  /** The catalogue as GCE publishes it: guest cpus and memory in MB. */
  private static final Map<String, int[]> MACHINE_TYPE_SIZES =
      Map.of(
          "e2-micro",
          new int[] {2, 1024},
          "e2-small",
          new int[] {2, 2048},
          "e2-medium",
          new int[] {2, 4096},
          "n2-standard-2",
          new int[] {2, 8192});

  private static final Pattern FIREWALLS =
      Pattern.compile("/compute/v1/projects/([^/]+)/global/firewalls(?:/([^/]+))?");
  private static final Pattern FILTER =
      Pattern.compile("labels\\.([a-z0-9_-]+)\\s*=\\s*\"?([^\"]*)\"?");

  private final KeyPair key;
  private final String clientEmail = "meshfed@" + PROJECT + ".iam.gserviceaccount.com";
  private final Set<String> tokens = new HashSet<>();
  private final Map<String, ObjectNode> instances = new LinkedHashMap<>(); // zone/name
  private final Map<String, Integer> readsToRunning = new LinkedHashMap<>();
  private final Map<String, ObjectNode> operations = new LinkedHashMap<>();
  private final Map<String, Integer> readsToDone = new LinkedHashMap<>();
  private final Map<String, ObjectNode> byRequestId = new LinkedHashMap<>();
  private final Map<String, ObjectNode> firewalls = new LinkedHashMap<>();
  private final AtomicLong ids = new AtomicLong(7_000_000_000L);
  private int instanceQuota = Integer.MAX_VALUE;
  private int pageSize = 500;

  public FakeGce() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      key = generator.generateKeyPair();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A service account key whose token endpoint is this fake: the credentials.json a user would put
   * in the Secret.
   */
  public String serviceAccountJson() {
    String pem =
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(key.getPrivate().getEncoded())
            + "\n-----END PRIVATE KEY-----\n";
    ObjectNode json =
        object()
            .put("type", "service_account")
            .put("project_id", PROJECT)
            .put("private_key_id", "k1")
            .put("private_key", pem)
            .put("client_email", clientEmail)
            .put("client_id", "1234567890")
            .put("token_uri", endpoint() + "/token");
    return json.toString();
  }

  /** Inserts beyond this many instances finish with QUOTA_EXCEEDED, as GCE's operations do. */
  public synchronized void instanceQuota(int quota) {
    this.instanceQuota = quota;
  }

  public synchronized void pageSize(int size) {
    this.pageSize = size;
  }

  public synchronized List<JsonNode> instances() {
    return List.copyOf(instances.values());
  }

  public synchronized List<JsonNode> instancesLabelled(String key, String value) {
    return instances.values().stream()
        .filter(i -> value.equals(i.path("labels").path(key).asText(null)))
        .map(i -> (JsonNode) i)
        .toList();
  }

  public synchronized List<JsonNode> firewalls() {
    return List.copyOf(firewalls.values());
  }

  @Override
  protected Reply handle(Call call) {
    if (call.path().equals("/token") && call.method().equals("POST")) {
      return token(call);
    }
    String auth = call.header("Authorization");
    if (auth == null || !auth.startsWith("Bearer ") || !tokens.contains(auth.substring(7))) {
      return error(
          401, "UNAUTHENTICATED", "Request had invalid authentication credentials.", "authError");
    }
    Matcher m;
    if ((m = OPERATION.matcher(call.path())).matches() && call.method().equals("GET")) {
      ObjectNode operation = operations.get(m.group(3));
      if (operation == null) {
        return notFound(call.path());
      }
      advance(operation);
      return Reply.json(200, operation);
    }
    if ((m = MACHINE_TYPE.matcher(call.path())).matches() && call.method().equals("GET")) {
      int[] size = MACHINE_TYPE_SIZES.get(m.group(3));
      if (size == null) {
        return notFound(call.path());
      }
      return Reply.json(
          200,
          object()
              .put("kind", "compute#machineType")
              .put("name", m.group(3))
              .put("guestCpus", size[0])
              .put("memoryMb", size[1])
              .put("zone", m.group(2)));
    }
    if ((m = INSTANCES.matcher(call.path())).matches()) {
      return instances(call, m.group(2), m.group(3));
    }
    if (call.path().equals("/compute/v1/projects/" + PROJECT + "/aggregated/instances")
        && call.method().equals("GET")) {
      return aggregatedList(call);
    }
    if ((m = FIREWALLS.matcher(call.path())).matches()) {
      return firewalls(call, m.group(2));
    }
    if (call.path().equals("/compute/v1/projects/" + PROJECT) && call.method().equals("GET")) {
      return Reply.json(
          200, object().put("kind", "compute#project").put("name", PROJECT).put("id", "42"));
    }
    return notFound(call.path());
  }

  private Reply token(Call call) {
    String assertion = null;
    for (String pair : call.body().split("&")) {
      if (pair.startsWith("assertion=")) {
        assertion = URLDecoder.decode(pair.substring(10), StandardCharsets.UTF_8);
      }
    }
    if (assertion == null || assertion.split("\\.").length != 3) {
      return Reply.json(
          400, object().put("error", "invalid_request").put("error_description", "no assertion"));
    }
    String[] parts = assertion.split("\\.");
    try {
      Signature rsa = Signature.getInstance("SHA256withRSA");
      rsa.initVerify(key.getPublic());
      rsa.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
      JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
      if (!rsa.verify(Base64.getUrlDecoder().decode(parts[2]))
          || !clientEmail.equals(claims.path("iss").asText())) {
        return Reply.json(
            400,
            object()
                .put("error", "invalid_grant")
                .put("error_description", "Invalid JWT Signature."));
      }
    } catch (GeneralSecurityException | IOException | IllegalArgumentException e) {
      return Reply.json(
          400,
          object()
              .put("error", "invalid_grant")
              .put("error_description", "Invalid JWT: " + e.getMessage()));
    }
    String token = "ya29.fake-" + UUID.randomUUID();
    tokens.add(token);
    return Reply.json(
        200,
        object().put("access_token", token).put("expires_in", 3600).put("token_type", "Bearer"));
  }

  private Reply instances(Call call, String zone, String name) {
    String requestId = query(call).get("requestId");
    if (requestId != null && byRequestId.containsKey(requestId)) {
      return Reply.json(
          200, byRequestId.get(requestId)); // the same request again: the same operation
    }
    String selfBase =
        endpoint() + "/compute/v1/projects/" + PROJECT + "/zones/" + zone + "/instances/";
    if (name == null && call.method().equals("POST")) {
      JsonNode body = call.json();
      String newName = body.path("name").asText();
      if (!newName.matches("[a-z]([-a-z0-9]{0,61}[a-z0-9])?")) {
        return error(
            400,
            "INVALID_ARGUMENT",
            "Invalid value for field 'resource.name': '" + newName + "'.",
            "invalid");
      }
      String type = body.path("machineType").asText();
      String typeName = type.substring(type.lastIndexOf('/') + 1);
      if (!MACHINE_TYPES.contains(typeName)) {
        return error(
            400,
            "INVALID_ARGUMENT",
            "Invalid value for field 'resource.machineType': '"
                + type
                + "'. Machine type with name '"
                + typeName
                + "' does not exist in zone '"
                + zone
                + "'.",
            "invalid");
      }
      if (instances.containsKey(zone + "/" + newName)) {
        return error(
            409,
            "ALREADY_EXISTS",
            "The resource 'projects/"
                + PROJECT
                + "/zones/"
                + zone
                + "/instances/"
                + newName
                + "' already exists",
            "alreadyExists");
      }
      ObjectNode operation = operation("insert", zone, selfBase + newName);
      if (instances.size() >= instanceQuota) {
        // the insert is accepted; its operation fails, as GCE reports quota
        operation.put("status", "DONE");
        operation
            .putObject("error")
            .putArray("errors")
            .addObject()
            .put("code", "QUOTA_EXCEEDED")
            .put(
                "message",
                "Quota 'INSTANCES' exceeded.  Limit: "
                    + instanceQuota
                    + ".0 in region "
                    + zone.replaceAll("-[a-z]$", ""));
      } else {
        ObjectNode instance = ((ObjectNode) body.deepCopy());
        long id = ids.incrementAndGet();
        instance.put("id", String.valueOf(id));
        instance.put("kind", "compute#instance");
        instance.put("status", "PROVISIONING");
        instance.put("zone", endpoint() + "/compute/v1/projects/" + PROJECT + "/zones/" + zone);
        instance.put("selfLink", selfBase + newName);
        instance.put(
            "creationTimestamp",
            OffsetDateTime.now(ZoneOffset.ofHours(-8)).truncatedTo(ChronoUnit.MILLIS).toString());
        instances.put(zone + "/" + newName, instance);
        readsToRunning.put(zone + "/" + newName, 2);
        readsToDone.put(operation.get("name").asText(), 1);
      }
      remember(requestId, operation);
      return Reply.json(200, operation);
    }
    if (name == null && call.method().equals("GET")) {
      List<JsonNode> inZone =
          instances.entrySet().stream()
              .filter(e -> e.getKey().startsWith(zone + "/"))
              .map(e -> (JsonNode) e.getValue())
              .toList();
      ObjectNode list = object().put("kind", "compute#instanceList");
      ArrayNode items = list.putArray("items");
      inZone.forEach(items::add);
      return Reply.json(200, list);
    }
    ObjectNode instance = instances.get(zone + "/" + name);
    if (instance == null) {
      return notFound("projects/" + PROJECT + "/zones/" + zone + "/instances/" + name);
    }
    if (call.method().equals("GET")) {
      advanceInstance(zone + "/" + name, instance);
      return Reply.json(200, instance);
    }
    if (call.method().equals("DELETE")) {
      instances.remove(zone + "/" + name);
      ObjectNode operation = operation("delete", zone, selfBase + name);
      operation.put("status", "DONE");
      remember(requestId, operation);
      return Reply.json(200, operation);
    }
    return notFound(call.path());
  }

  private Reply aggregatedList(Call call) {
    Map<String, String> params = query(call);
    String filter = params.get("filter");
    Matcher f = filter == null ? null : FILTER.matcher(filter.trim());
    if (f != null && !f.matches()) {
      return error(
          400,
          "INVALID_ARGUMENT",
          "Invalid value for field 'filter': '" + filter + "'. Invalid list filter expression.",
          "invalid");
    }
    List<Map.Entry<String, ObjectNode>> matching =
        instances.entrySet().stream()
            .filter(
                e ->
                    f == null
                        || f.group(2)
                            .equals(e.getValue().path("labels").path(f.group(1)).asText(null)))
            .toList();
    int max = Math.min(pageSize, Integer.parseInt(params.getOrDefault("maxResults", "500")));
    int from = params.containsKey("pageToken") ? Integer.parseInt(params.get("pageToken")) : 0;
    int to = Math.min(matching.size(), from + max);
    ObjectNode list =
        object()
            .put("kind", "compute#instanceAggregatedList")
            .put("id", "projects/" + PROJECT + "/aggregated/instances");
    ObjectNode items = list.putObject("items");
    for (Map.Entry<String, ObjectNode> e : new ArrayList<>(matching.subList(from, to))) {
      String zone = e.getKey().substring(0, e.getKey().indexOf('/'));
      ObjectNode scope =
          items.has("zones/" + zone)
              ? (ObjectNode) items.get("zones/" + zone)
              : items.putObject("zones/" + zone);
      (scope.has("instances") ? (ArrayNode) scope.get("instances") : scope.putArray("instances"))
          .add(e.getValue());
    }
    if (to < matching.size()) {
      list.put("nextPageToken", String.valueOf(to));
    }
    return Reply.json(200, list);
  }

  private Reply firewalls(Call call, String name) {
    String requestId = query(call).get("requestId");
    if (requestId != null && byRequestId.containsKey(requestId)) {
      return Reply.json(200, byRequestId.get(requestId));
    }
    String selfBase = endpoint() + "/compute/v1/projects/" + PROJECT + "/global/firewalls/";
    if (name == null && call.method().equals("POST")) {
      JsonNode body = call.json();
      String newName = body.path("name").asText();
      if (firewalls.containsKey(newName)) {
        return error(
            409,
            "ALREADY_EXISTS",
            "The resource 'projects/"
                + PROJECT
                + "/global/firewalls/"
                + newName
                + "' already exists",
            "alreadyExists");
      }
      ObjectNode firewall = ((ObjectNode) body.deepCopy());
      firewall
          .put("id", String.valueOf(ids.incrementAndGet()))
          .put("kind", "compute#firewall")
          .put("selfLink", selfBase + newName);
      firewalls.put(newName, firewall);
      ObjectNode operation = operation("insert", null, selfBase + newName);
      operation.put("status", "DONE");
      remember(requestId, operation);
      return Reply.json(200, operation);
    }
    ObjectNode firewall = name == null ? null : firewalls.get(name);
    if (firewall == null) {
      return notFound("projects/" + PROJECT + "/global/firewalls/" + name);
    }
    if (call.method().equals("GET")) {
      return Reply.json(200, firewall);
    }
    if (call.method().equals("DELETE")) {
      firewalls.remove(name);
      ObjectNode operation = operation("delete", null, selfBase + name);
      operation.put("status", "DONE");
      remember(requestId, operation);
      return Reply.json(200, operation);
    }
    return notFound(call.path());
  }

  private ObjectNode operation(String type, String zone, String targetLink) {
    String name =
        "operation-"
            + System.currentTimeMillis()
            + "-"
            + UUID.randomUUID().toString().substring(0, 8);
    String scope = zone == null ? "global" : "zones/" + zone;
    ObjectNode operation =
        object()
            .put("kind", "compute#operation")
            .put("id", String.valueOf(ids.incrementAndGet()))
            .put("name", name)
            .put("operationType", type)
            .put("targetLink", targetLink)
            .put("status", "RUNNING")
            .put("progress", 0)
            .put("insertTime", OffsetDateTime.now(ZoneOffset.UTC).toString())
            .put(
                "selfLink",
                endpoint()
                    + "/compute/v1/projects/"
                    + PROJECT
                    + "/"
                    + scope
                    + "/operations/"
                    + name);
    if (zone != null) {
      operation.put("zone", endpoint() + "/compute/v1/projects/" + PROJECT + "/zones/" + zone);
    }
    operations.put(name, operation);
    return operation;
  }

  private void remember(String requestId, ObjectNode operation) {
    if (requestId != null) {
      byRequestId.put(requestId, operation);
    }
  }

  private void advance(ObjectNode operation) {
    String name = operation.get("name").asText();
    int left = readsToDone.getOrDefault(name, 0);
    if (left > 0) {
      readsToDone.put(name, left - 1);
    } else if (!operation.get("status").asText().equals("DONE")) {
      operation.put("status", "DONE").put("progress", 100);
    }
  }

  private void advanceInstance(String key, ObjectNode instance) {
    int left = readsToRunning.getOrDefault(key, 0);
    if (left > 1) {
      readsToRunning.put(key, left - 1);
      instance.put("status", "STAGING");
    } else if (!instance.get("status").asText().equals("RUNNING")) {
      readsToRunning.remove(key);
      instance.put("status", "RUNNING");
      long n = instance.get("id").asLong() % 250 + 1;
      JsonNode nics = instance.path("networkInterfaces");
      if (nics.size() > 0) {
        ObjectNode nic = (ObjectNode) nics.get(0);
        nic.put("networkIP", "10.132.0." + n);
        if (nic.path("accessConfigs").size() > 0) {
          ((ObjectNode) nic.path("accessConfigs").get(0)).put("natIP", "198.18.8." + n);
        }
      }
    }
  }

  private static Reply notFound(String what) {
    return error(404, "NOT_FOUND", "The resource '" + what + "' was not found", "notFound");
  }

  public static Reply error(int code, String status, String message, String reason) {
    ObjectNode body = JSON.createObjectNode();
    ObjectNode error =
        body.putObject("error").put("code", code).put("message", message).put("status", status);
    error
        .putArray("errors")
        .addObject()
        .put("message", message)
        .put("domain", "global")
        .put("reason", reason);
    return Reply.json(code, body);
  }
}
