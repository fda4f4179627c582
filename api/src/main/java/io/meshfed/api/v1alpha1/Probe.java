package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** A check the agent runs against a replica, in the shape of a Kubernetes container probe. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value =
        "(has(self.httpGet) ? 1 : 0) + (has(self.tcpSocket) ? 1 : 0) + (has(self.exec) ? 1 : 0)"
            + " == 1",
    message = "set exactly one of httpGet, tcpSocket and exec")
public class Probe {
  @JsonPropertyDescription(
      "An HTTP GET to the replica's address: a status from 200 to 399 is a success.")
  private HttpGetAction httpGet;

  @JsonPropertyDescription("A TCP connection to the replica's address: connected is a success.")
  private TcpSocketAction tcpSocket;

  @JsonPropertyDescription(
      "A command run in the replica's container (for a process, beside it): exit code 0 is a"
          + " success.")
  private ExecAction exec;

  @Default("0")
  @Min(0)
  @JsonPropertyDescription("Seconds after the replica starts before the first probe.")
  private Integer initialDelaySeconds;

  @Default("10")
  @Min(1)
  @JsonPropertyDescription("Seconds between probes.")
  private Integer periodSeconds;

  @Default("1")
  @Min(1)
  @JsonPropertyDescription("Seconds a probe may take; longer is a failure.")
  private Integer timeoutSeconds;

  @Default("1")
  @Min(1)
  @JsonPropertyDescription("Successes in a row after a failure that count as passing.")
  private Integer successThreshold;

  @Default("3")
  @Min(1)
  @JsonPropertyDescription("Failures in a row that count as failing.")
  private Integer failureThreshold;

  /** A probe that GETs this path and port (the other fields at their defaults). */
  public static Probe httpGet(String path, int port) {
    HttpGetAction get = new HttpGetAction();
    get.setPath(path);
    get.setPort(port);
    Probe probe = new Probe();
    probe.setHttpGet(get);
    return probe;
  }

  /** A probe that connects to this port. */
  public static Probe tcpSocket(int port) {
    TcpSocketAction tcp = new TcpSocketAction();
    tcp.setPort(port);
    Probe probe = new Probe();
    probe.setTcpSocket(tcp);
    return probe;
  }

  /** A probe that runs this command. */
  public static Probe exec(String... command) {
    ExecAction exec = new ExecAction();
    exec.setCommand(List.of(command));
    Probe probe = new Probe();
    probe.setExec(exec);
    return probe;
  }

  public HttpGetAction getHttpGet() {
    return httpGet;
  }

  public void setHttpGet(HttpGetAction httpGet) {
    this.httpGet = httpGet;
  }

  public TcpSocketAction getTcpSocket() {
    return tcpSocket;
  }

  public void setTcpSocket(TcpSocketAction tcpSocket) {
    this.tcpSocket = tcpSocket;
  }

  public ExecAction getExec() {
    return exec;
  }

  public void setExec(ExecAction exec) {
    this.exec = exec;
  }

  public Integer getInitialDelaySeconds() {
    return initialDelaySeconds;
  }

  public void setInitialDelaySeconds(Integer initialDelaySeconds) {
    this.initialDelaySeconds = initialDelaySeconds;
  }

  public Integer getPeriodSeconds() {
    return periodSeconds;
  }

  public void setPeriodSeconds(Integer periodSeconds) {
    this.periodSeconds = periodSeconds;
  }

  public Integer getTimeoutSeconds() {
    return timeoutSeconds;
  }

  public void setTimeoutSeconds(Integer timeoutSeconds) {
    this.timeoutSeconds = timeoutSeconds;
  }

  public Integer getSuccessThreshold() {
    return successThreshold;
  }

  public void setSuccessThreshold(Integer successThreshold) {
    this.successThreshold = successThreshold;
  }

  public Integer getFailureThreshold() {
    return failureThreshold;
  }

  public void setFailureThreshold(Integer failureThreshold) {
    this.failureThreshold = failureThreshold;
  }

  /** GET http://{replica's address}:{port}{path}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class HttpGetAction {
    @Default("/")
    @Pattern("^/[^\\s]*$")
    @Size(max = 1024)
    private String path;

    @Required
    @Min(1)
    @Max(65535)
    private Integer port;

    public String getPath() {
      return path;
    }

    public void setPath(String path) {
      this.path = path;
    }

    public Integer getPort() {
      return port;
    }

    public void setPort(Integer port) {
      this.port = port;
    }
  }

  /** A connection to {replica's address}:{port}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class TcpSocketAction {
    @Required
    @Min(1)
    @Max(65535)
    private Integer port;

    public Integer getPort() {
      return port;
    }

    public void setPort(Integer port) {
      this.port = port;
    }
  }

  /** A command, its words as they are (no shell). */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ExecAction {
    @Required
    @Size(min = 1)
    private List<String> command;

    public List<String> getCommand() {
      return command;
    }

    public void setCommand(List<String> command) {
      this.command = command;
    }
  }
}
