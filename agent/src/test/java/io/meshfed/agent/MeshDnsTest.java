package io.meshfed.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.api.agent.DnsRecord;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/** The agent's DNS over real UDP on loopback, asked with dnsjava's resolver. */
class MeshDnsTest {

  @Test
  void answersTheClustersNamesOverUdpAndRefusesTheRest() throws Exception {
    try (MeshDns dns = new MeshDns("mesh.test")) {
      dns.update(
          "mesh.test",
          List.of(
              new DnsRecord("web.mesh.test", List.of("100.64.1.1", "100.64.2.1")),
              new DnsRecord("web-0.web.mesh.test", List.of("100.64.1.1"))));
      int port = freePort();
      dns.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      SimpleResolver resolver = new SimpleResolver(InetAddress.getLoopbackAddress());
      resolver.setPort(port);
      resolver.setTimeout(Duration.ofSeconds(2));

      Message web = resolver.send(query("WEB.mesh.test.", Type.A));
      assertThat(web.getRcode()).isEqualTo(Rcode.NOERROR);
      assertThat(web.getSection(Section.ANSWER))
          .extracting(r -> ((ARecord) r).getAddress().getHostAddress())
          .containsExactly("100.64.1.1", "100.64.2.1");
      assertThat(web.getSection(Section.ANSWER))
          .allSatisfy(r -> assertThat(r.getTTL()).isEqualTo(5));

      Message one = resolver.send(query("web-0.web.mesh.test.", Type.A));
      assertThat(one.getSection(Section.ANSWER))
          .singleElement()
          .satisfies(
              r -> assertThat(((ARecord) r).getAddress().getHostAddress()).isEqualTo("100.64.1.1"));

      assertThat(resolver.send(query("nope.mesh.test.", Type.A)).getRcode())
          .isEqualTo(Rcode.NXDOMAIN);
      assertThat(resolver.send(query("example.com.", Type.A)).getRcode()).isEqualTo(Rcode.REFUSED);
      Message ipv6 = resolver.send(query("web.mesh.test.", Type.AAAA));
      assertThat(ipv6.getRcode()).isEqualTo(Rcode.NOERROR);
      assertThat(ipv6.getSection(Section.ANSWER)).isEmpty();

      // the map changes: the next answer follows it
      dns.update("mesh.test", List.of(new DnsRecord("web.mesh.test", List.of("100.64.3.1"))));
      assertThat(resolver.send(query("web.mesh.test.", Type.A)).getSection(Section.ANSWER))
          .extracting(r -> ((ARecord) r).getAddress().getHostAddress())
          .containsExactly("100.64.3.1");
    }
  }

  @Test
  void aMalformedQueryGetsFormErrNotSilence() throws Exception {
    MeshDns dns = new MeshDns("mesh.test");
    Message notAQuery = new Message();
    notAQuery.getHeader().setOpcode(Opcode.STATUS);
    Message answer = new Message(dns.answer(notAQuery.toWire()));
    assertThat(answer.getRcode()).isEqualTo(Rcode.FORMERR);
  }

  private static Message query(String name, int type) throws Exception {
    return Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN));
  }

  private static int freePort() throws Exception {
    try (var socket = new java.net.DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
