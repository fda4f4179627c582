package io.meshfed.operator.agentapi;

import static io.meshfed.operator.join.Validation.ENDPOINT_PATTERN;
import static io.meshfed.operator.join.Validation.KEY_PATTERN;
import static io.meshfed.operator.join.Validation.MAX_FACT_LENGTH;
import static io.meshfed.operator.join.Validation.NOT_BLANK_PATTERN;
import static io.meshfed.operator.join.Validation.PEER_NAME_MAX;
import static io.meshfed.operator.join.Validation.PEER_NAME_PATTERN;
import static io.meshfed.operator.join.Validation.REPLICA_REASONS;

import io.meshfed.api.agent.CaBundle;
import io.meshfed.api.agent.ReplicaStatus;
import io.meshfed.api.agent.StatusReport;
import io.meshfed.operator.join.Validation;
import jakarta.ws.rs.core.MediaType;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.Components;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Content;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;
import org.eclipse.microprofile.openapi.models.responses.APIResponses;
import org.eclipse.microprofile.openapi.models.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.models.security.SecurityScheme;

/**
 * Makes the served OpenAPI document exact, so that a client (or a fuzzer) can rely on it: what a
 * body must hold ({@link Validation}'s rules, from the same patterns), every answer an operation
 * gives with its content type, the error body, and which operations need the peer credential.
 */
public class AgentApiDocument implements OASFilter {
  static final String ERROR = "ApiError";
  static final String CREDENTIAL = "peerCredential";

  /** The answers of each operation, by path and method, besides its success. */
  private record Answers(
      String path,
      PathItem.HttpMethod method,
      Map<String, String> success,
      List<Integer> errors,
      boolean needsCredential) {}

  private static final String JSON = MediaType.APPLICATION_JSON;

  private static final List<Answers> OPERATIONS =
      List.of(
          new Answers(
              "/api/v1/join/challenge",
              PathItem.HttpMethod.POST,
              Map.of("200", JSON),
              List.of(411, 413),
              false),
          new Answers(
              "/api/v1/join",
              PathItem.HttpMethod.POST,
              Map.of("200", JSON),
              List.of(400, 401, 403, 409, 411, 413, 429, 503),
              false),
          new Answers(
              "/api/v1/netmap",
              PathItem.HttpMethod.GET,
              Map.of("200", JSON, "204", ""),
              List.of(400, 401, 403, 429),
              true),
          new Answers(
              "/api/v1/status",
              PathItem.HttpMethod.POST,
              Map.of("204", ""),
              List.of(400, 401, 403),
              true),
          new Answers(
              "/api/v1/rotate-key",
              PathItem.HttpMethod.POST,
              Map.of("200", JSON),
              List.of(400, 401, 403, 409, 411, 413, 503),
              true),
          new Answers(
              "/api/v1/install.sh",
              PathItem.HttpMethod.GET,
              Map.of("200", "text/x-shellscript"),
              List.of(),
              false),
          new Answers(
              "/api/v1/ca.crt",
              PathItem.HttpMethod.GET,
              Map.of("200", "application/x-pem-file"),
              List.of(),
              false),
          new Answers(
              "/api/v1/agent.jar",
              PathItem.HttpMethod.GET,
              Map.of("200", "application/java-archive"),
              List.of(404),
              false),
          new Answers(
              "/api/v1/wireguard-go",
              PathItem.HttpMethod.GET,
              Map.of("200", "application/octet-stream"),
              List.of(404),
              false),
          new Answers(
              "/api/v1/logs/requests/{namespace}/{request}",
              PathItem.HttpMethod.GET,
              Map.of("200", MediaType.TEXT_PLAIN),
              List.of(401, 404, 409, 410, 429, 502, 503, 504),
              false),
          new Answers(
              "/api/v1/logs/streams/{stream}/chunks",
              PathItem.HttpMethod.POST,
              Map.of("204", ""),
              List.of(400, 401, 403, 404, 411, 413, 429, 503),
              true),
          new Answers(
              "/api/v1/logs/streams/{stream}/end",
              PathItem.HttpMethod.POST,
              Map.of("204", ""),
              List.of(400, 401, 403, 404),
              true));

  private static final Map<Integer, String> MEANING =
      Map.ofEntries(
          Map.entry(400, "The body or a parameter is not what the document says; `field` names it"),
          Map.entry(401, "No valid token, proof or credential"),
          Map.entry(
              403,
              "Authenticated, but not allowed: another peer's name, a claim that is not its own"),
          Map.entry(404, "Not here"),
          Map.entry(
              409, "Conflicts with what exists: a public key another peer holds, a join under way"),
          Map.entry(411, "The body must come with its Content-Length"),
          Map.entry(413, "The body is larger than this operation takes"),
          Map.entry(410, "No longer there: a ticket past its time"),
          Map.entry(429, "Too many requests of this kind; `Retry-After` says when to come back"),
          Map.entry(502, "The peer's agent answered with a failure"),
          Map.entry(503, "The cluster cannot take it now; try again"),
          Map.entry(504, "The peer's agent did not answer in time"));

  /** The methods the document gives a path of the agent API; empty for a path it lacks. */
  public static List<String> methodsOf(String path) {
    return OPERATIONS.stream()
        .filter(a -> matches(a.path(), path))
        .map(a -> a.method().name())
        .sorted()
        .toList();
  }

  /** Whether a path is one of a template's ({@code {name}} matches one segment). */
  private static boolean matches(String template, String path) {
    String[] want = template.split("/", -1);
    String[] have = path.split("/", -1);
    if (want.length != have.length) {
      return false;
    }
    for (int i = 0; i < want.length; i++) {
      boolean variable = want[i].startsWith("{") && want[i].endsWith("}");
      if (variable ? have[i].isEmpty() : !want[i].equals(have[i])) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void filterOpenAPI(OpenAPI openAPI) {
    Components components = openAPI.getComponents();
    components.addSchema(
        ERROR,
        object()
            .addProperty("reason", string().description("CamelCase reason, for programs"))
            .addProperty("message", string().description("What happened and what to do"))
            .addProperty("field", string().description("The field at fault, for a 400"))
            .required(List.of("reason", "message")));
    components.addSecurityScheme(
        CREDENTIAL,
        OASFactory.createSecurityScheme()
            .type(SecurityScheme.Type.HTTP)
            .scheme("bearer")
            .description(
                "The peer credential the join answered (mfp:<namespace>:<peer>:<secret>)"));
    constrainBodies(components.getSchemas());
    for (Answers answers : OPERATIONS) {
      PathItem item = openAPI.getPaths().getPathItem(answers.path());
      Operation operation = item == null ? null : item.getOperations().get(answers.method());
      if (operation == null) {
        throw new IllegalStateException(
            "the agent API has no " + answers.method() + " " + answers.path() + " to document");
      }
      APIResponses responses = OASFactory.createAPIResponses();
      answers
          .success()
          .forEach(
              (code, type) -> {
                APIResponse was = operation.getResponses().getAPIResponse("200");
                APIResponse response =
                    OASFactory.createAPIResponse()
                        .description(code.equals("204") ? "Nothing new" : "OK");
                if (!type.isEmpty()) {
                  Schema schema =
                      type.equals(JSON)
                              && was != null
                              && was.getContent() != null
                              && was.getContent().getMediaType(JSON) != null
                          ? was.getContent().getMediaType(JSON).getSchema()
                          : string().format("binary");
                  response.content(
                      OASFactory.createContent()
                          .addMediaType(type, OASFactory.createMediaType().schema(schema)));
                }
                responses.addAPIResponse(code, response);
              });
      for (int code : answers.errors()) {
        responses.addAPIResponse(String.valueOf(code), error(MEANING.get(code)));
      }
      if (answers.path().equals("/api/v1/status")) {
        responses
            .getAPIResponse("204")
            .addHeader(
                CaBundle.HEADER,
                OASFactory.createHeader()
                    .description(
                        "The agent API CAs to trust from now on: sha256 pins, comma-separated")
                    .schema(string()))
            .addHeader(
                StatusReport.INTERVAL_HEADER,
                OASFactory.createHeader()
                    .description(
                        "Report no more often than this many seconds (the fleet's reports kept"
                            + " within what the operator takes); absent: any interval")
                    .schema(
                        OASFactory.createSchema()
                            .addType(Schema.SchemaType.INTEGER)
                            .minimum(BigDecimal.ONE)));
      }
      operation.setResponses(responses);
      if (answers.needsCredential()) {
        operation.setSecurity(
            List.of(OASFactory.createSecurityRequirement().addScheme(CREDENTIAL)));
      } else {
        operation.setSecurity(List.<SecurityRequirement>of());
      }
    }
  }

  /** The rules {@link Validation} applies, as the schemas of the bodies. */
  private static void constrainBodies(Map<String, Schema> schemas) {
    Schema join = schemas.get("JoinRequest");
    join.required(List.of("token", "publicKey", "challenge", "proof"));
    join.getProperties().get("token").pattern(NOT_BLANK_PATTERN);
    key(join.getProperties().get("publicKey"));
    endpoints(join.getProperties().get("endpoints"));
    join.getProperties().get("name").pattern(PEER_NAME_PATTERN).maxLength(PEER_NAME_MAX);

    Schema rotation = schemas.get("KeyRotation");
    rotation.required(List.of("request", "publicKey", "challenge", "proof"));
    rotation.getProperties().get("request").pattern(NOT_BLANK_PATTERN);
    key(rotation.getProperties().get("publicKey"));
    rotation.getProperties().get("credential").pattern(Validation.CREDENTIAL_SECRET_PATTERN);

    Schema status = schemas.get("StatusReport");
    endpoints(status.getProperties().get("endpoints"));
    status.getProperties().get("handshakes").maxItems(Validation.MAX_HANDSHAKES);
    status.getProperties().get("replicas").maxItems(Validation.MAX_REPLICAS);
    Schema pins = status.getProperties().get("caHashes").maxItems(CaBundle.MAX_PINS);
    pins.getItems().pattern(CaBundle.PIN_PATTERN);

    Schema handshake = schemas.get("PeerHandshake");
    handshake.required(List.of("publicKey"));
    key(handshake.getProperties().get("publicKey"));
    handshake
        .getProperties()
        .get("lastHandshakeEpochSeconds")
        .minimum(BigDecimal.ZERO)
        .maximum(BigDecimal.valueOf(Validation.MAX_EPOCH_SECONDS));
    handshake.getProperties().get("rxBytes").minimum(BigDecimal.ZERO);
    handshake.getProperties().get("txBytes").minimum(BigDecimal.ZERO);

    Schema tunnels = schemas.get("Tunnels");
    tunnels.required(List.of("configured", "recent", "recentSeconds"));
    tunnels
        .getProperties()
        .get("configured")
        .minimum(BigDecimal.ZERO)
        .maximum(BigDecimal.valueOf(Validation.MAX_HANDSHAKES));
    tunnels
        .getProperties()
        .get("recent")
        .minimum(BigDecimal.ZERO)
        .maximum(BigDecimal.valueOf(Validation.MAX_HANDSHAKES));
    tunnels.getProperties().get("recentSeconds").minimum(BigDecimal.ONE);
    tunnels.getProperties().get("oldestAgeSeconds").minimum(BigDecimal.ZERO);
    Schema unconfigured =
        tunnels.getProperties().get("unconfigured").maxItems(Validation.MAX_HANDSHAKES);
    key(unconfigured.getItems());

    Schema replica = schemas.get("ReplicaStatus");
    replica.required(List.of("name", "state"));
    replica.getProperties().get("name").pattern(NOT_BLANK_PATTERN);
    replica
        .getProperties()
        .get("state")
        .enumeration(
            List.of(
                ReplicaStatus.PENDING,
                ReplicaStatus.STARTING,
                ReplicaStatus.RUNNING,
                ReplicaStatus.FAILED));
    replica.getProperties().get("reason").enumeration(List.copyOf(REPLICA_REASONS));
    Schema facts = schemas.get("AgentFacts");
    facts.getProperties().get("cpuCores").minimum(BigDecimal.ZERO);
    facts.getProperties().get("memoryBytes").minimum(BigDecimal.ZERO);
    facts.getProperties().get("wireguard").maxLength(MAX_FACT_LENGTH);

    REQUEST_SCHEMAS.forEach(name -> nullableUnlessRequired(schemas.get(name)));
  }

  /**
   * What agents send: a property it may leave out it may also send as null, as Jackson reads it.
   */
  static final List<String> REQUEST_SCHEMAS =
      List.of(
          "JoinRequest",
          "KeyRotation",
          "StatusReport",
          "PeerHandshake",
          "Tunnels",
          "ReplicaStatus",
          "AgentFacts");

  private static void nullableUnlessRequired(Schema schema) {
    List<String> required = schema.getRequired() == null ? List.of() : schema.getRequired();
    schema
        .getProperties()
        .forEach(
            (name, property) -> {
              if (required.contains(name)) {
                return;
              }
              if (property.getRef() != null) {
                schema.addProperty(
                    name,
                    OASFactory.createSchema()
                        .anyOf(
                            List.of(
                                OASFactory.createSchema().ref(property.getRef()),
                                OASFactory.createSchema().addType(Schema.SchemaType.NULL))));
              } else {
                property.addType(Schema.SchemaType.NULL);
              }
            });
  }

  private static void key(Schema schema) {
    schema.pattern(KEY_PATTERN).description("A WireGuard public key, base64 as `wg` prints it");
  }

  private static void endpoints(Schema list) {
    list.maxItems(Validation.MAX_ENDPOINTS);
    list.getItems().pattern(ENDPOINT_PATTERN).description("IPv4 address and UDP port");
  }

  private static APIResponse error(String meaning) {
    Content content =
        OASFactory.createContent()
            .addMediaType(
                JSON,
                OASFactory.createMediaType()
                    .schema(OASFactory.createSchema().ref("#/components/schemas/" + ERROR)));
    return OASFactory.createAPIResponse().description(meaning).content(content);
  }

  private static Schema object() {
    return OASFactory.createSchema().addType(Schema.SchemaType.OBJECT);
  }

  private static Schema string() {
    return OASFactory.createSchema().addType(Schema.SchemaType.STRING);
  }
}
