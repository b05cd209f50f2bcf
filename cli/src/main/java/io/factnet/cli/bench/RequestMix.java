package io.factnet.cli.bench;

import io.factnet.model.AddRule;
import io.factnet.model.AllocateFixedIp;
import io.factnet.model.AllocateFloatingIp;
import io.factnet.model.AssociateFloatingIp;
import io.factnet.model.CreateNetwork;
import io.factnet.model.CreateSecurityGroup;
import io.factnet.model.Protocol;
import io.factnet.model.Request;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The requests of a benchmark, in the order a cloud would send them: per project one network, a
 * security group with two rules, then {@code instancesPerNetwork} fixed IPs, and for every
 * {@code floatingEvery}-th instance a floating IP allocated and associated. The default (50 instances,
 * every 10th floating) makes 64 requests per project. Both halves of {@code factnet bench} use it:
 * the baseline sends these requests' serialized bytes, the factnet half sends them to the controller.
 */
public record RequestMix(int instancesPerNetwork, int floatingEvery) {

    public static final RequestMix DEFAULT = new RequestMix(50, 10);
    /** The floating pool the mix allocates from. */
    public static final String POOL = "public";

    public RequestMix {
        if (instancesPerNetwork < 1 || floatingEvery < 1) {
            throw new IllegalArgumentException("instances per network and floating-every must be at least 1");
        }
    }

    /** The first {@code count} requests of the mix. */
    public List<Request> requests(int count) {
        return requests(count, 0, "bench");
    }

    /**
     * {@code count} requests of the mix for projects {@code firstProject} on, with ids
     * {@code <idPrefix>-00000000} on (a second phase on the same controller takes new projects and ids).
     */
    public List<Request> requests(int count, int firstProject, String idPrefix) {
        List<Request> requests = new ArrayList<>(count);
        Instant now = Instant.now();
        for (int project = firstProject; requests.size() < count; project++) {
            for (Object command : projectCommands(project)) {
                if (requests.size() == count) {
                    break;
                }
                requests.add(Request.newBuilder()
                        .setRequestId(String.format(Locale.ROOT, "%s-%08d", idPrefix, requests.size()))
                        .setProject(projectName(project))
                        .setSubmittedAt(now)
                        .setCommand(command)
                        .build());
            }
        }
        return requests;
    }

    /** Floating IPs per project: every {@code floatingEvery}-th instance, the first included. */
    public int floatingPerProject() {
        return (instancesPerNetwork + floatingEvery - 1) / floatingEvery;
    }

    /** Network, group, two rules, the fixed IPs, and an allocation and an association per floating IP. */
    public int requestsPerProject() {
        return 4 + instancesPerNetwork + 2 * floatingPerProject();
    }

    /** Projects (networks) that {@code count} requests reach into. */
    public int projectsFor(int count) {
        return (count + requestsPerProject() - 1) / requestsPerProject();
    }

    static String projectName(int project) {
        return String.format(Locale.ROOT, "project-%05d", project);
    }

    private List<Object> projectCommands(int project) {
        List<Object> commands = new ArrayList<>();
        commands.add(CreateNetwork.newBuilder().build());
        commands.add(CreateSecurityGroup.newBuilder().setName("web").setDescription("web servers").build());
        commands.add(AddRule.newBuilder().setGroup("web").setProtocol(Protocol.TCP).setFromPort(443).setToPort(443)
                .setSourceCidr("0.0.0.0/0").build());
        commands.add(AddRule.newBuilder().setGroup("web").setProtocol(Protocol.ICMP).setIcmpType(8).setIcmpCode(0)
                .setSourceGroup("web").build());
        for (int i = 0; i < instancesPerNetwork; i++) {
            String instance = String.format(Locale.ROOT, "vm-%05d-%03d", project, i);
            commands.add(AllocateFixedIp.newBuilder().setInstance(instance).setGroup("web").build());
            if (i % floatingEvery == 0) {
                commands.add(AllocateFloatingIp.newBuilder().setPool(POOL).build());
                // the real address comes from the allocation's result; this one has the same size on the wire
                commands.add(AssociateFloatingIp.newBuilder()
                        .setAddress(String.format(Locale.ROOT, "203.0.%d.%d", (project / 250) % 256, 1 + project % 250))
                        .setInstance(instance).build());
            }
        }
        return commands;
    }
}
