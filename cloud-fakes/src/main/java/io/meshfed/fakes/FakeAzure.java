package io.meshfed.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The parts of Azure meshfed uses, over HTTPS as the real ones: Microsoft Entra ID's client
 * credentials token endpoint (checks client ID and secret), and Resource Manager — resource groups,
 * PUT-to-create resources whose {@code provisioningState} moves from Creating to Succeeded through
 * an {@code Azure-AsyncOperation}, DELETE that takes a while for VMs and honours the VM's delete
 * options, references checked (a NIC needs its subnet and IP; a NIC or IP in use cannot go), paging
 * with {@code nextLink}, and errors as {@code {"error": {"code", "message"}}}.
 */
public final class FakeAzure extends FakeCloud {
  public static final String TENANT = "11111111-2222-3333-4444-555555555555";
  public static final String SUBSCRIPTION = "00000000-1111-2222-3333-444444444444";
  public static final String RESOURCE_GROUP = "meshfed-rg";
  public static final Set<String> VM_SIZES =
      Set.of("Standard_B1s", "Standard_B2s", "Standard_D2s_v5");

  private final String clientId;
  private final String clientSecret;
  private final Set<String> tokens = new HashSet<>();

  /** By lower-cased resource ID. */
  private final Map<String, ObjectNode> resources = new LinkedHashMap<>();

  private final Map<String, Integer> readsLeft = new LinkedHashMap<>();
  private final Map<String, Integer> operations = new LinkedHashMap<>();
  private final AtomicInteger addresses = new AtomicInteger();
  private int vmQuota = Integer.MAX_VALUE;
  private int pageSize = 100;

  public FakeAzure(String clientId, String clientSecret) {
    super(true);
    this.clientId = clientId;
    this.clientSecret = clientSecret;
  }

  public synchronized void vmQuota(int quota) {
    this.vmQuota = quota;
  }

  public synchronized void pageSize(int size) {
    this.pageSize = size;
  }

  /** Resources of a type ({@code Microsoft.Compute/virtualMachines}) that exist now. */
  public synchronized List<JsonNode> resources(String type) {
    return resources.values().stream()
        .filter(r -> r.path("type").asText().equalsIgnoreCase(type))
        .map(r -> (JsonNode) r)
        .toList();
  }

  public synchronized List<JsonNode> resourcesTagged(String type, String tag, String value) {
    return resources(type).stream()
        .filter(r -> value.equals(r.path("tags").path(tag).asText(null)))
        .toList();
  }

  @Override
  protected Reply handle(Call call) {
    String path = call.path();
    if (path.endsWith("/oauth2/v2.0/token") && call.method().equals("POST")) {
      return token(call);
    }
    if (path.endsWith("/v2.0/.well-known/openid-configuration")) {
      String tenant = path.split("/")[1];
      return Reply.json(
          200,
          object()
              .put("token_endpoint", endpoint() + "/" + tenant + "/oauth2/v2.0/token")
              .put("authorization_endpoint", endpoint() + "/" + tenant + "/oauth2/v2.0/authorize")
              .put("issuer", endpoint() + "/" + tenant + "/v2.0"));
    }
    String auth = call.header("Authorization");
    if (auth == null || !auth.startsWith("Bearer ") || !tokens.contains(auth.substring(7))) {
      return error(401, "InvalidAuthenticationToken", "The access token is invalid.");
    }
    if (!query(call).containsKey("api-version")) {
      return error(
          400,
          "MissingApiVersionParameter",
          "The api-version query parameter (?api-version=) is required for all requests.");
    }
    String[] s = path.split("/");
    // /subscriptions/{sub}/providers/{ns}/locations/{loc}/operations/{id}
    if (s.length == 9
        && s[3].equalsIgnoreCase("providers")
        && s[7].equalsIgnoreCase("operations")) {
      Integer left = operations.get(s[8]);
      if (left == null) {
        return error(404, "NotFound", "operation " + s[8] + " not found");
      }
      operations.put(s[8], Math.max(0, left - 1));
      return Reply.json(
          200, object().put("name", s[8]).put("status", left > 0 ? "InProgress" : "Succeeded"));
    }
    // /subscriptions/{sub}/providers/Microsoft.Compute/locations/{loc}/vmSizes: the catalogue
    if (s.length == 8
        && s[3].equalsIgnoreCase("providers")
        && s[7].equalsIgnoreCase("vmSizes")
        && call.method().equals("GET")) {
      ObjectNode body = object();
      var value = body.putArray("value");
      Map.of(
              "Standard_B1s",
              new int[] {1, 1024},
              "Standard_B2s",
              new int[] {2, 4096},
              "Standard_D2s_v5",
              new int[] {2, 8192})
          .entrySet()
          .stream()
          .sorted(Map.Entry.comparingByKey())
          .forEach(
              e ->
                  value
                      .addObject()
                      .put("name", e.getKey())
                      .put("numberOfCores", e.getValue()[0])
                      .put("memoryInMB", e.getValue()[1])
                      .put("osDiskSizeInMB", 1047552)
                      .put("resourceDiskSizeInMB", 4096)
                      .put("maxDataDiskCount", 4));
      return Reply.json(200, body);
    }
    if (s.length < 5 || !s[1].equalsIgnoreCase("subscriptions") || !s[2].equals(SUBSCRIPTION)) {
      return error(
          404,
          "SubscriptionNotFound",
          "The subscription '" + (s.length > 2 ? s[2] : "") + "' could not be found.");
    }
    if (!s[4].equals(RESOURCE_GROUP)) {
      return error(
          404, "ResourceGroupNotFound", "Resource group '" + s[4] + "' could not be found.");
    }
    if (s.length == 5 && call.method().equals("GET")) {
      return Reply.json(
          200,
          object()
              .put("id", "/subscriptions/" + SUBSCRIPTION + "/resourceGroups/" + RESOURCE_GROUP)
              .put("name", RESOURCE_GROUP)
              .put("location", "westeurope")
              .set("properties", object().put("provisioningState", "Succeeded")));
    }
    // /subscriptions/{sub}/resourceGroups/{rg}/providers/{ns}/{type}[/{name}]
    if (s.length == 8 && call.method().equals("GET")) {
      return list(call, s[6] + "/" + s[7]);
    }
    if (s.length != 9) {
      return error(404, "NotFound", "no route for " + path);
    }
    String type = s[6] + "/" + s[7];
    String name = s[8];
    String id =
        "/subscriptions/"
            + SUBSCRIPTION
            + "/resourceGroups/"
            + RESOURCE_GROUP
            + "/providers/"
            + type
            + "/"
            + name;
    return switch (call.method()) {
      case "PUT" -> put(call, id, type, name);
      case "GET" -> get(id, type, name);
      case "DELETE" -> delete(id, type);
      default -> error(405, "MethodNotAllowed", call.method());
    };
  }

  private Reply token(Call call) {
    Map<String, String> form = new LinkedHashMap<>();
    for (String pair : call.body().split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        form.put(
            pair.substring(0, eq),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    if (!clientId.equals(form.get("client_id"))
        || !clientSecret.equals(form.get("client_secret"))) {
      ObjectNode refusal =
          object()
              .put("error", "invalid_client")
              .put(
                  "error_description",
                  "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the"
                      + " request is the client secret value, not the client secret ID.");
      refusal.putArray("error_codes").add(7000215);
      return Reply.json(401, refusal);
    }
    String token = "eyFake." + UUID.randomUUID();
    tokens.add(token);
    return Reply.json(
        200,
        object()
            .put("token_type", "Bearer")
            .put("expires_in", 3599)
            .put("ext_expires_in", 3599)
            .put("access_token", token));
  }

  private Reply put(Call call, String id, String type, String name) {
    JsonNode body = call.json();
    ObjectNode properties =
        body.path("properties").isObject()
            ? (ObjectNode) body.get("properties").deepCopy()
            : object();
    String problem = check(type, properties);
    if (problem != null) {
      return error(
          400,
          problem.substring(0, problem.indexOf(':')),
          problem.substring(problem.indexOf(':') + 2));
    }
    if (type.equalsIgnoreCase("Microsoft.Compute/virtualMachines")
        && !resources.containsKey(key(id))
        && resources("Microsoft.Compute/virtualMachines").size() >= vmQuota) {
      return error(
          409,
          "OperationNotAllowed",
          "Operation could not be completed as it results in exceeding approved "
              + "standardBSFamily Cores quota. Additional details - Deployment Model: Resource Manager, Location: westeurope, "
              + "Current Limit: "
              + vmQuota
              + ", Current Usage: "
              + vmQuota
              + ", Additional Required: 2");
    }
    boolean created = !resources.containsKey(key(id));
    ObjectNode resource =
        object()
            .put("id", id)
            .put("name", name)
            .put("type", type)
            .put("location", body.path("location").asText("westeurope"));
    resource.set("tags", body.path("tags").isObject() ? body.get("tags") : object());
    if (body.has("sku")) {
      resource.set("sku", body.get("sku"));
    }
    properties.put("provisioningState", created ? "Creating" : "Updating");
    if (type.equalsIgnoreCase("Microsoft.Network/virtualNetworks")) {
      for (JsonNode subnet : properties.path("subnets")) {
        ((ObjectNode) subnet).put("id", id + "/subnets/" + subnet.path("name").asText());
      }
    }
    if (type.equalsIgnoreCase("Microsoft.Compute/virtualMachines")) {
      properties.put("vmId", UUID.randomUUID().toString());
      properties.put("timeCreated", OffsetDateTime.now(ZoneOffset.UTC).toString());
      // the OS disk comes with the VM
      String disk =
          properties.path("storageProfile").path("osDisk").path("name").asText(name + "_OsDisk");
      String diskId =
          "/subscriptions/"
              + SUBSCRIPTION
              + "/resourceGroups/"
              + RESOURCE_GROUP
              + "/providers/Microsoft.Compute/disks/"
              + disk;
      resources.put(
          key(diskId),
          (ObjectNode)
              object()
                  .put("id", diskId)
                  .put("name", disk)
                  .put("type", "Microsoft.Compute/disks")
                  .put("location", resource.get("location").asText())
                  .set("properties", object().put("provisioningState", "Succeeded")));
    }
    resource.set("properties", properties);
    resources.put(key(id), resource);
    readsLeft.put(key(id), 1);
    String operation = UUID.randomUUID().toString();
    operations.put(operation, 1);
    return new Reply(
        created ? 201 : 200,
        resource.toString(),
        Map.of(
            "Content-Type",
            "application/json",
            "Azure-AsyncOperation",
            endpoint()
                + "/subscriptions/"
                + SUBSCRIPTION
                + "/providers/"
                + type.split("/")[0]
                + "/locations/"
                + resource.get("location").asText()
                + "/operations/"
                + operation
                + "?api-version=2024-01-01"));
  }

  /** "Code: message" when the body refers to what does not exist or asks for what Azure lacks. */
  private String check(String type, JsonNode properties) {
    if (type.equalsIgnoreCase("Microsoft.Compute/virtualMachines")) {
      String size = properties.path("hardwareProfile").path("vmSize").asText();
      if (!VM_SIZES.contains(size)) {
        return "InvalidParameter: The value "
            + size
            + " provided for the VM size is not valid. The valid sizes in the "
            + "current region are: "
            + VM_SIZES
            + ". Target: vmSize";
      }
      for (JsonNode nic : properties.path("networkProfile").path("networkInterfaces")) {
        if (!resources.containsKey(key(nic.path("id").asText()))) {
          return "InvalidResourceReference: Resource "
              + nic.path("id").asText()
              + " referenced by resource was not found.";
        }
      }
    }
    if (type.equalsIgnoreCase("Microsoft.Network/networkInterfaces")) {
      for (JsonNode config : properties.path("ipConfigurations")) {
        String subnet = config.path("properties").path("subnet").path("id").asText();
        String vnet =
            subnet.contains("/subnets/")
                ? subnet.substring(0, subnet.indexOf("/subnets/"))
                : subnet;
        if (!resources.containsKey(key(vnet))) {
          return "InvalidResourceReference: Resource "
              + subnet
              + " referenced by resource was not found.";
        }
        String ip = config.path("properties").path("publicIPAddress").path("id").asText(null);
        if (ip != null && !resources.containsKey(key(ip))) {
          return "InvalidResourceReference: Resource "
              + ip
              + " referenced by resource was not found.";
        }
      }
    }
    return null;
  }

  private Reply get(String id, String type, String name) {
    ObjectNode resource = resources.get(key(id));
    if (resource == null) {
      return error(
          404,
          "ResourceNotFound",
          "The Resource '"
              + type
              + "/"
              + name
              + "' under resource group '"
              + RESOURCE_GROUP
              + "' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix");
    }
    advance(resource);
    return Reply.json(200, resources.getOrDefault(key(id), resource));
  }

  private void advance(ObjectNode resource) {
    String k = key(resource.get("id").asText());
    int left = readsLeft.getOrDefault(k, 0);
    if (left > 0) {
      readsLeft.put(k, left - 1);
      return;
    }
    ObjectNode properties = (ObjectNode) resource.get("properties");
    String state = properties.path("provisioningState").asText();
    if (state.equals("Deleting")) {
      remove(resource);
    } else if (!state.equals("Succeeded")) {
      properties.put("provisioningState", "Succeeded");
      String type = resource.get("type").asText();
      int n = addresses.incrementAndGet() % 250 + 1;
      if (type.equalsIgnoreCase("Microsoft.Network/publicIPAddresses")) {
        properties.put("ipAddress", "198.18.9." + n);
      } else if (type.equalsIgnoreCase("Microsoft.Network/networkInterfaces")) {
        for (JsonNode config : properties.path("ipConfigurations")) {
          ObjectNode p = (ObjectNode) config.path("properties");
          p.put("privateIPAddress", "10.200.0." + (n + 3));
          p.put("privateIPAllocationMethod", "Dynamic");
        }
      }
    }
  }

  private Reply delete(String id, String type) {
    ObjectNode resource = resources.get(key(id));
    if (resource == null) {
      return Reply.empty(204);
    }
    String inUse = inUse(resource);
    if (inUse != null) {
      return error(
          400, inUse.substring(0, inUse.indexOf(':')), inUse.substring(inUse.indexOf(':') + 2));
    }
    if (type.equalsIgnoreCase("Microsoft.Compute/virtualMachines")) {
      // a VM takes a while to go
      ((ObjectNode) resource.get("properties")).put("provisioningState", "Deleting");
      readsLeft.put(key(id), 1);
    } else {
      remove(resource);
    }
    String operation = UUID.randomUUID().toString();
    operations.put(operation, 1);
    return new Reply(
        202,
        "",
        Map.of(
            "Azure-AsyncOperation",
                endpoint()
                    + "/subscriptions/"
                    + SUBSCRIPTION
                    + "/providers/"
                    + type.split("/")[0]
                    + "/locations/westeurope/operations/"
                    + operation
                    + "?api-version=2024-01-01",
            "Location",
                endpoint()
                    + "/subscriptions/"
                    + SUBSCRIPTION
                    + "/providers/"
                    + type.split("/")[0]
                    + "/locations/westeurope/operations/"
                    + operation
                    + "?api-version=2024-01-01",
            "Retry-After", "0"));
  }

  /** Why a resource cannot be deleted yet, or null. */
  private String inUse(ObjectNode resource) {
    String id = resource.get("id").asText().toLowerCase(Locale.ROOT);
    for (ObjectNode other : resources.values()) {
      String text = other.path("properties").toString().toLowerCase(Locale.ROOT);
      if (other == resource || !text.contains(id)) {
        continue;
      }
      String type = resource.get("type").asText();
      if (type.equalsIgnoreCase("Microsoft.Network/networkInterfaces")) {
        return "NicInUse: Network Interface "
            + id
            + " is used by existing resource "
            + other.get("id").asText()
            + ".";
      }
      if (type.equalsIgnoreCase("Microsoft.Network/publicIPAddresses")) {
        return "PublicIPAddressInUse: Public IP address "
            + id
            + " can not be deleted since it is still allocated to resource "
            + other.get("id").asText()
            + ".";
      }
      if (type.equalsIgnoreCase("Microsoft.Network/virtualNetworks")) {
        return "InUseSubnetCannotBeDeleted: Subnet peers is in use by "
            + other.get("id").asText()
            + " and cannot be deleted.";
      }
      if (type.equalsIgnoreCase("Microsoft.Network/networkSecurityGroups")
          && !other.get("type").asText().equalsIgnoreCase("Microsoft.Network/virtualNetworks")) {
        return "InUseNetworkSecurityGroupCannotBeDeleted: Network security group "
            + id
            + " cannot be deleted because it is in use.";
      }
      if (type.equalsIgnoreCase("Microsoft.Network/networkSecurityGroups")) {
        return "InUseNetworkSecurityGroupCannotBeDeleted: Network security group "
            + id
            + " cannot be deleted because it is in use by "
            + other.get("id").asText()
            + ".";
      }
    }
    return null;
  }

  /** Removes a resource, and with a VM what its delete options say goes with it. */
  private void remove(ObjectNode resource) {
    resources.remove(key(resource.get("id").asText()));
    if (!resource.get("type").asText().equalsIgnoreCase("Microsoft.Compute/virtualMachines")) {
      return;
    }
    JsonNode properties = resource.path("properties");
    for (JsonNode nic : properties.path("networkProfile").path("networkInterfaces")) {
      if ("Delete".equalsIgnoreCase(nic.path("properties").path("deleteOption").asText())) {
        resources.remove(key(nic.path("id").asText()));
      }
    }
    JsonNode osDisk = properties.path("storageProfile").path("osDisk");
    if ("Delete".equalsIgnoreCase(osDisk.path("deleteOption").asText())) {
      resources.remove(
          key(
              "/subscriptions/"
                  + SUBSCRIPTION
                  + "/resourceGroups/"
                  + RESOURCE_GROUP
                  + "/providers/Microsoft.Compute/disks/"
                  + osDisk.path("name").asText()));
    }
  }

  private Reply list(Call call, String type) {
    List<JsonNode> all = resources(type);
    all.forEach(r -> advance((ObjectNode) r));
    all = resources(type);
    int skip = Integer.parseInt(query(call).getOrDefault("$skiptoken", "0"));
    int to = Math.min(all.size(), skip + pageSize);
    ObjectNode body = object();
    ArrayNode value = body.putArray("value");
    new ArrayList<>(all.subList(Math.min(skip, all.size()), to)).forEach(value::add);
    if (to < all.size()) {
      body.put(
          "nextLink",
          endpoint()
              + call.path()
              + "?api-version="
              + query(call).get("api-version")
              + "&$skiptoken="
              + to);
    }
    return Reply.json(200, body);
  }

  private static String key(String id) {
    return id.toLowerCase(Locale.ROOT);
  }

  public static Reply error(int status, String code, String message) {
    ObjectNode body = JSON.createObjectNode();
    body.putObject("error").put("code", code).put("message", message);
    return Reply.json(status, body);
  }
}
