package io.factnet.controller.project;

import io.factnet.controller.alloc.Bitmap;
import io.factnet.controller.alloc.Cidr;
import io.factnet.controller.alloc.Ipv4;
import io.factnet.controller.stage.Check;
import io.factnet.controller.stage.PoolKeys;
import io.factnet.controller.stage.Rejected;
import io.factnet.model.AddVpnPeer;
import io.factnet.model.Allocation;
import io.factnet.model.CreateVpn;
import io.factnet.model.DeleteVpn;
import io.factnet.model.Grant;
import io.factnet.model.Network;
import io.factnet.model.NodePlacement;
import io.factnet.model.NodeRole;
import io.factnet.model.PlaceVpn;
import io.factnet.model.Reason;
import io.factnet.model.ReleaseVpn;
import io.factnet.model.RemoveVpnPeer;
import io.factnet.model.Vpn;
import io.factnet.model.VpnPeer;
import io.factnet.model.VpnRecord;
import io.factnet.topics.Topics;
import java.util.ArrayList;
import java.util.List;

/**
 * The project's VPN: a WireGuard interface on a tunneling node, a public UDP port of that node, the
 * network's VPN address in the VPN client subnet (the block's last group-sized subnet, so instances
 * reach peers through their gateway), and peers that each get an address of that subnet.
 */
final class VpnHandlers {
    private VpnHandlers() {
    }

    static VpnRecord requireVpn(ProjectContext ctx) {
        VpnRecord record = ctx.record.getHasVpn() ? ctx.stores.vpns.get(ctx.project) : null;
        if (record == null) {
            throw Rejected.notFound("project " + ctx.project + " has no VPN");
        }
        return record;
    }

    static void publish(ProjectContext ctx, VpnRecord record) {
        ctx.stores.vpns.put(ctx.project, record);
        ctx.state(Topics.STATE_VPNS, ctx.project, record.getVpn());
        Vpn vpn = record.getVpn();
        ctx.node(NodeRole.TUNNELING, vpn.getNodeId(), NodeEntries.vpnResource(ctx.project),
                NodeEntries.vpnTunnel(vpn, ctx.requireNetwork()));
    }

    static void setTunnelingNode(ProjectContext ctx, String nodeId) {
        Network network = ctx.requireNetwork();
        network.setNodes(NodePlacement.newBuilder(network.getNodes()).setTunneling(nodeId).build());
        ctx.record.setNetwork(network);
        ctx.state(Topics.STATE_NETWORKS, ctx.project, network);
    }

    static final class Create implements Handler<CreateVpn> {
        @Override
        public Handled handle(ProjectContext ctx, CreateVpn command) {
            Network network = ctx.requireNetwork();
            if (ctx.record.getHasVpn()) {
                throw new Rejected(Reason.ALREADY_EXISTS, "project " + ctx.project + " has a VPN");
            }
            return Handled.await(PoolKeys.hop(PoolKeys.NODES, PlaceVpn.newBuilder().setPreferNode(network.getNodes().getRouting())
                    .setPhysicalNetwork(network.getPhysicalNetwork()).setVlan(network.getVlan()).build()));
        }

        @Override
        public Handled.Done granted(ProjectContext ctx, CreateVpn command, Grant grant) {
            Network network = ctx.requireNetwork();
            Cidr clients = Cidr.parse(network.getVpnClientSubnet());
            Vpn vpn = Vpn.newBuilder().setProject(ctx.project).setNodeId(grant.getNodeId())
                    .setPublicAddress(grant.getNodePublicAddress()).setPort(grant.getPort())
                    .setInterfaceName("wg" + network.getVlan())
                    .setAddress(network.getVpnAddress() + "/" + clients.prefix())
                    .build();
            Bitmap peers = Bitmap.empty((int) clients.size());
            peers.take(0);
            peers.take((int) (Ipv4.parse(network.getVpnAddress()) - clients.network()));
            peers.take((int) clients.size() - 1);
            ctx.record.setHasVpn(true);
            setTunnelingNode(ctx, vpn.getNodeId());
            publish(ctx, VpnRecord.newBuilder().setVpn(vpn).setPeers(peers.toState()).build());
            ctx.onNetworkNode(NodeRole.ROUTING, NodeEntries.vpnResource(ctx.project), NodeEntries.vpnForward(vpn));
            return Handled.accepted("VPN on " + vpn.getNodeId() + " " + vpn.getPublicAddress() + ":" + vpn.getPort(),
                    Allocation.newBuilder().setNodeId(vpn.getNodeId()).setPort(vpn.getPort())
                            .setAddress(network.getVpnAddress()).setCidr(clients.toString()).build());
        }
    }

    static final class Delete implements Handler<DeleteVpn> {
        @Override
        public Handled handle(ProjectContext ctx, DeleteVpn command) {
            Vpn vpn = requireVpn(ctx).getVpn();
            ctx.stores.vpns.delete(ctx.project);
            ctx.record.setHasVpn(false);
            setTunnelingNode(ctx, null);
            ctx.state(Topics.STATE_VPNS, ctx.project, null);
            ctx.node(NodeRole.TUNNELING, vpn.getNodeId(), NodeEntries.vpnResource(ctx.project), null);
            ctx.onNetworkNode(NodeRole.ROUTING, NodeEntries.vpnResource(ctx.project), null);
            ctx.release(PoolKeys.NODES, new ReleaseVpn(vpn.getNodeId(), vpn.getPort()));
            return Handled.accepted("VPN deleted", Allocation.newBuilder().setNodeId(vpn.getNodeId()).setPort(vpn.getPort()).build());
        }
    }

    static final class AddPeer implements Handler<AddVpnPeer> {
        @Override
        public Handled handle(ProjectContext ctx, AddVpnPeer command) {
            String key = Check.wireguardKey(command.getPublicKey());
            VpnRecord record = requireVpn(ctx);
            Vpn vpn = record.getVpn();
            if (vpn.getPeers().stream().anyMatch(p -> p.getPublicKey().equals(key))) {
                throw new Rejected(Reason.ALREADY_EXISTS, "the VPN has this peer");
            }
            Bitmap peers = Bitmap.of(record.getPeers());
            int index = peers.allocate();
            Cidr clients = Cidr.parse(ctx.requireNetwork().getVpnClientSubnet());
            if (index < 0) {
                throw new Rejected(Reason.POOL_EXHAUSTED, "no free address in the VPN client subnet " + clients);
            }
            String address = clients.address(index);
            List<VpnPeer> list = new ArrayList<>(vpn.getPeers());
            list.add(VpnPeer.newBuilder().setPublicKey(key).setAddress(address).build());
            vpn.setPeers(list);
            record.setPeers(peers.toState());
            publish(ctx, record);
            return Handled.accepted("peer " + address + " added", Allocation.newBuilder().setAddress(address)
                    .setNodeId(vpn.getNodeId()).setPort(vpn.getPort()).build());
        }
    }

    static final class RemovePeer implements Handler<RemoveVpnPeer> {
        @Override
        public Handled handle(ProjectContext ctx, RemoveVpnPeer command) {
            String key = Check.wireguardKey(command.getPublicKey());
            VpnRecord record = requireVpn(ctx);
            Vpn vpn = record.getVpn();
            VpnPeer peer = vpn.getPeers().stream().filter(p -> p.getPublicKey().equals(key)).findFirst()
                    .orElseThrow(() -> Rejected.notFound("the VPN has no peer with this key"));
            Cidr clients = Cidr.parse(ctx.requireNetwork().getVpnClientSubnet());
            Bitmap peers = Bitmap.of(record.getPeers());
            peers.release((int) (Ipv4.parse(peer.getAddress()) - clients.network()));
            List<VpnPeer> list = new ArrayList<>(vpn.getPeers());
            list.remove(peer);
            vpn.setPeers(list);
            record.setPeers(peers.toState());
            publish(ctx, record);
            return Handled.accepted("peer " + peer.getAddress() + " removed",
                    Allocation.newBuilder().setAddress(peer.getAddress()).build());
        }
    }
}
