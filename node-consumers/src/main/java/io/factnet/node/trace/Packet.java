package io.factnet.node.trace;

import io.factnet.net.Ipv4Address;
import java.util.Locale;
import java.util.Optional;

/**
 * The first packet of a connection (conntrack state NEW), as the tracer follows it: addresses, protocol and port (the
 * ICMP type for ICMP), the source MAC where it is known (a frame from an instance's port), and whether a DNAT rewrote
 * it on the way (nft's {@code ct status & dnat}).
 *
 * @param port       TCP or UDP destination port; for ICMP the type (8: echo request)
 * @param sourcePort TCP or UDP source port (an ephemeral one unless given)
 */
public record Packet(Ipv4Address source, Ipv4Address destination, Protocol protocol, int port, int sourcePort,
                     Optional<String> sourceMac, boolean dnat) {
    /** The source port of a client's connection when none is given: any ephemeral port matches the rules factnet renders. */
    public static final int EPHEMERAL_PORT = 40000;
    public static final int ICMP_ECHO_REQUEST = 8;

    public enum Protocol {
        TCP, UDP, ICMP;

        public String nftName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public Packet {
        if (protocol != Protocol.ICMP && (port < 0 || port > 65535)) {
            throw new IllegalArgumentException("port " + port + " is not 0..65535");
        }
        if (protocol == Protocol.ICMP && (port < 0 || port > 255)) {
            throw new IllegalArgumentException("ICMP type " + port + " is not 0..255");
        }
    }

    public static Packet tcp(String source, String destination, int port) {
        return of(source, destination, Protocol.TCP, port);
    }

    public static Packet udp(String source, String destination, int port) {
        return of(source, destination, Protocol.UDP, port);
    }

    /** An echo request (what ping sends). */
    public static Packet ping(String source, String destination) {
        return of(source, destination, Protocol.ICMP, ICMP_ECHO_REQUEST);
    }

    public static Packet of(String source, String destination, Protocol protocol, int port) {
        return new Packet(Ipv4Address.parse(source), Ipv4Address.parse(destination), protocol, port, EPHEMERAL_PORT,
                Optional.empty(), false);
    }

    Packet withDestination(Ipv4Address address, int newPort) {
        return new Packet(source, address, protocol, newPort, sourcePort, sourceMac, true);
    }

    Packet withSource(Ipv4Address address) {
        return new Packet(address, destination, protocol, port, sourcePort, sourceMac, dnat);
    }

    Packet withMac(String mac) {
        return new Packet(source, destination, protocol, port, sourcePort, Optional.of(mac), dnat);
    }

    /** "tcp 10.0.0.5:40000 -> 10.0.1.5:22", "icmp 10.0.0.5 -> 10.0.1.5 type 8". */
    public String describe() {
        return protocol == Protocol.ICMP
                ? "icmp " + source + " -> " + destination + " type " + port
                : protocol.nftName() + " " + source + ":" + sourcePort + " -> " + destination + ":" + port;
    }
}
