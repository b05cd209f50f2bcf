package io.factnet.controller.stage;

import io.factnet.model.Claim;
import io.factnet.model.Grant;
import io.factnet.model.NodePlacement;
import io.factnet.model.NodeRef;
import io.factnet.model.NodeRole;
import io.factnet.model.Reason;
import io.factnet.model.ReleaseBlock;
import io.factnet.model.ReleasePlacement;
import io.factnet.model.ReleaseVlan;
import io.factnet.model.ReleaseVpn;
import io.factnet.model.ReturnFloatingIp;
import java.util.ArrayList;
import java.util.List;

/**
 * What a grant holds at the pools, as the fire-and-forget claims that give it back: a network's VLAN, block
 * and node placement, a floating address, a VPN's node port. The pool stage sends them when a later hop of the
 * slip refuses; the project stage when a grant finds no request to take it (it matches no waiting request, or
 * the request's handler failed after the pools gave): a dropped grant would hold its address, VLAN or block
 * for ever.
 */
public final class GrantHoldings {
    private GrantHoldings() {
    }

    /**
     * Claims (reply=false, keyed by their pool) that release what the grant holds; none for a refusal. A node id
     * with a port is a VPN's placement, released with its port; a moved tunneling share looks the same and is
     * released the same way (its new port freed, its load taken back), which is the best a grant alone tells.
     */
    public static List<Claim> releases(Grant grant) {
        List<Claim> claims = new ArrayList<>();
        if (grant.getReason() != Reason.OK) {
            return claims;
        }
        if (grant.getVlan() != null && grant.getPhysicalNetwork() != null) {
            claims.add(release(grant, PoolKeys.vlan(grant.getPhysicalNetwork()), new ReleaseVlan(grant.getVlan())));
        }
        if (grant.getPhysicalNetwork() != null) { // network slots (ADR 0044)
            for (int vlan : grant.getSlotVlans()) {
                claims.add(release(grant, PoolKeys.vlan(grant.getPhysicalNetwork()), new ReleaseVlan(vlan)));
            }
        }
        if (grant.getBlock() != null) {
            claims.add(release(grant, PoolKeys.BLOCKS, new ReleaseBlock(grant.getBlock())));
        }
        for (String block : grant.getSlotBlocks()) {
            claims.add(release(grant, PoolKeys.BLOCKS, new ReleaseBlock(block)));
        }
        NodePlacement nodes = grant.getNodes();
        if (nodes != null) {
            claims.add(release(grant, PoolKeys.NODES, new ReleasePlacement(List.of(
                    new NodeRef(nodes.getRouting(), NodeRole.ROUTING), new NodeRef(nodes.getAddressing(), NodeRole.ADDRESSING),
                    new NodeRef(nodes.getBridging(), NodeRole.BRIDGING)))));
        }
        if (grant.getFloatingPool() != null && (grant.getFloatingAddress() != null || !grant.getFloatingStock().isEmpty())) {
            // the address and the stock that came with it (ADR 0039) in one claim
            List<String> addresses = new ArrayList<>();
            if (grant.getFloatingAddress() != null) {
                addresses.add(grant.getFloatingAddress());
            }
            addresses.addAll(grant.getFloatingStock());
            claims.add(release(grant, PoolKeys.FLOATING, new ReturnFloatingIp(grant.getFloatingPool(), addresses.get(0),
                    new ArrayList<>(addresses.subList(1, addresses.size())))));
        }
        if (grant.getNodeId() != null && grant.getPort() != null) {
            claims.add(release(grant, PoolKeys.NODES, new ReleaseVpn(grant.getNodeId(), grant.getPort())));
        }
        return claims;
    }

    private static Claim release(Grant taken, String pool, Object op) {
        Grant grant = Grant.newBuilder().setRequestId(taken.getRequestId()).setProject(taken.getProject()).build();
        return Claim.newBuilder().setHops(List.of(PoolKeys.hop(pool, op))).setGrant(grant).setReply(false).build();
    }
}
