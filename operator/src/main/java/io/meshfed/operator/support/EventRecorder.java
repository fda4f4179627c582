package io.meshfed.operator.support;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.meshfed.operator.config.MeshfedConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.jboss.logging.Logger;

/**
 * Kubernetes Events for what changed on a resource: what {@code kubectl describe} and {@code
 * kubectl get events} show. A condition's transition becomes one event with the condition's reason;
 * other decisions (a pool scaling, say) name their own. Events are a courtesy to people: one that
 * cannot be written is logged and never fails a reconcile, and past a budget (a burst, then a rate:
 * {@code meshfed.events}) they are dropped and counted, so that a fleet joining at once spends the
 * API server's writes on the joins.
 */
@ApplicationScoped
public class EventRecorder {
  public static final String NORMAL = "Normal";
  public static final String WARNING = "Warning";
  static final String COMPONENT = "meshfed-operator";

  /** The API server refuses longer messages. */
  static final int MAX_MESSAGE = 1024;

  private static final Logger LOG = Logger.getLogger(EventRecorder.class);

  private final KubernetesClient client;
  private final Clock clock;
  private final String instance;
  private final int burst;
  private final Duration refillEvery;
  private final AtomicReference<TokenBucket> budget;
  private final Counter dropped;
  private final LongSupplier nanoTime;

  @Inject
  public EventRecorder(
      KubernetesClient client, MeshfedConfig config, Clock clock, MeterRegistry metrics) {
    this(
        client,
        clock,
        config
            .leaderElection()
            .identity()
            .orElseGet(() -> Objects.requireNonNullElse(System.getenv("HOSTNAME"), COMPONENT)),
        config.events().burst(),
        config.events().perSecond(),
        metrics,
        System::nanoTime);
  }

  EventRecorder(
      KubernetesClient client,
      Clock clock,
      String instance,
      int burst,
      double perSecond,
      MeterRegistry metrics,
      LongSupplier nanoTime) {
    if (burst < 1 || !(perSecond > 0)) {
      throw new IllegalArgumentException(
          "meshfed.events: burst and per-second must be positive, not " + burst + "/" + perSecond);
    }
    this.client = client;
    this.clock = clock;
    this.instance = instance;
    this.burst = burst;
    this.refillEvery = Duration.ofNanos((long) (1e9 / perSecond));
    this.nanoTime = nanoTime;
    this.budget = new AtomicReference<>(TokenBucket.full(burst, nanoTime.getAsLong()));
    this.dropped =
        Counter.builder("meshfed.events.dropped")
            .description("Events not written: past the events' budget")
            .register(metrics);
  }

  /** One change worth telling: Normal or Warning, a CamelCase reason, a sentence. */
  public record Transition(String type, String reason, String message) {}

  /**
   * What changed between two lists of conditions: a condition new, or whose status or reason moved.
   * Every condition meshfed sets says something good when True, so False is a Warning.
   */
  public static List<Transition> transitions(List<Condition> before, List<Condition> after) {
    List<Transition> changes = new ArrayList<>();
    for (Condition now : after == null ? List.<Condition>of() : after) {
      Optional<Condition> was = Conditions.find(before, now.getType());
      boolean changed =
          was.map(
                  c ->
                      !Objects.equals(c.getStatus(), now.getStatus())
                          || !Objects.equals(c.getReason(), now.getReason()))
              .orElse(true);
      if (changed) {
        String type = Conditions.FALSE.equals(now.getStatus()) ? WARNING : NORMAL;
        String message =
            now.getType()
                + " is "
                + now.getStatus()
                + (now.getMessage() == null || now.getMessage().isBlank()
                    ? ""
                    : ": " + now.getMessage());
        changes.add(new Transition(type, now.getReason(), message));
      }
    }
    return changes;
  }

  /** Events for the conditions that changed from {@code before} to {@code after}. */
  public void conditionsChanged(HasMetadata object, List<Condition> before, List<Condition> after) {
    transitions(before, after).forEach(t -> record(object, t));
  }

  public void record(HasMetadata object, Transition transition) {
    if (!spend()) {
      dropped.increment();
      LOG.debugf(
          "event %s on %s %s/%s dropped: past the events' budget",
          transition.reason(),
          object.getKind(),
          object.getMetadata().getNamespace(),
          object.getMetadata().getName());
      return;
    }
    try {
      client
          .v1()
          .events()
          .inNamespace(object.getMetadata().getNamespace())
          .resource(event(object, transition, clock.instant(), instance))
          .create();
    } catch (KubernetesClientException e) {
      LOG.warnf(
          "could not record event %s on %s %s/%s: %s",
          transition.reason(),
          object.getKind(),
          object.getMetadata().getNamespace(),
          object.getMetadata().getName(),
          e.getMessage());
    }
  }

  /**
   * One event's worth of the budget, if there is one. On monotonic time, not the clock: a test's
   * clock may stand still.
   */
  boolean spend() {
    long now = nanoTime.getAsLong();
    TokenBucket before = budget.getAndUpdate(bucket -> bucket.spend(now, refillEvery, burst));
    return before.refilled(now, refillEvery, burst).tokens() >= 1;
  }

  static Event event(HasMetadata object, Transition transition, Instant now, String instance) {
    String time = DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(ChronoUnit.SECONDS));
    String message = transition.message();
    if (message.length() > MAX_MESSAGE) {
      message = message.substring(0, MAX_MESSAGE - 1) + "…";
    }
    return new EventBuilder()
        .withNewMetadata()
        // as client-go names them: unique per object and moment
        .withName(
            object.getMetadata().getName()
                + "."
                + Long.toHexString(now.getEpochSecond() * 1_000_000_000L + now.getNano()))
        .withNamespace(object.getMetadata().getNamespace())
        .endMetadata()
        .withNewInvolvedObject()
        .withApiVersion(object.getApiVersion())
        .withKind(object.getKind())
        .withNamespace(object.getMetadata().getNamespace())
        .withName(object.getMetadata().getName())
        .withUid(object.getMetadata().getUid())
        .withResourceVersion(object.getMetadata().getResourceVersion())
        .endInvolvedObject()
        .withType(transition.type())
        .withReason(transition.reason())
        .withMessage(message)
        .withFirstTimestamp(time)
        .withLastTimestamp(time)
        .withCount(1)
        .withNewSource()
        .withComponent(COMPONENT)
        .endSource()
        .withReportingComponent("meshfed.io/operator")
        .withReportingInstance(instance)
        .build();
  }
}
