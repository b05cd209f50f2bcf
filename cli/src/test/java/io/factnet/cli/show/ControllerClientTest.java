package io.factnet.cli.show;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.factnet.http.Call;
import io.factnet.http.HttpService;
import io.factnet.http.Reply;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code factnet show} reads every page of a list, as a fake controller serves them. */
class ControllerClientTest {

    @Test
    void allFollowsTheNextLinksAndJoinsThePages() {
        List<String> asked = new ArrayList<>();
        try (HttpService fake = HttpService.bind("a fake controller", "127.0.0.1", 0, HttpService.Limits.METRICS).serve(call -> {
            asked.add(call.pathAndQuery());
            return page(switch (call.rawQuery()) {
                case "pool=public&limit=1000" -> """
                        {"supernet": {"cidr": "10.0.0.0/8"}, "floatingPools": [{"pool": "a"}], "vlanRanges": [],
                         "next": {"cursor": "c1", "href": "/v1/pools?pool=public&limit=1000&cursor=c1"}}""";
                case "pool=public&limit=1000&cursor=c1" -> """
                        {"supernet": null, "floatingPools": [{"pool": "b"}], "vlanRanges": [{"physicalNetwork": "p"}],
                         "next": {"cursor": "c2", "href": "/v1/pools?pool=public&limit=1000&cursor=c2"}}""";
                default -> """
                        {"supernet": null, "floatingPools": [], "vlanRanges": [{"physicalNetwork": "q"}], "next": null}""";
            });
        })) {
            JsonNode all = new ControllerClient("http://127.0.0.1:" + fake.address().getPort()).all("/v1/pools?pool=public");
            assertThat(asked).hasSize(3);
            assertThat(all.path("floatingPools").findValuesAsText("pool")).containsExactly("a", "b");
            assertThat(all.path("vlanRanges").findValuesAsText("physicalNetwork")).containsExactly("p", "q");
            assertThat(all.path("supernet").path("cidr").asText()).isEqualTo("10.0.0.0/8");
            assertThat(all.has("next")).isFalse();
        }
    }

    @Test
    void aControllerThatLoopsIsAnError() {
        try (HttpService fake = HttpService.bind("a looping controller", "127.0.0.1", 0, HttpService.Limits.METRICS)
                .serve(ControllerClientTest::loop)) {
            assertThatThrownBy(() -> new ControllerClient("http://127.0.0.1:" + fake.address().getPort()).all("/v1/nodes"))
                    .hasMessageContaining("gave the same page twice");
        }
    }

    private static Reply page(String json) {
        try {
            return Reply.json(200, Reply.MAPPER.readTree(json));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Reply loop(Call call) {
        return Reply.json(200, Reply.MAPPER.createObjectNode().<com.fasterxml.jackson.databind.node.ObjectNode>set("nodes",
                Reply.MAPPER.createArrayNode()).set("next", Reply.MAPPER.createObjectNode().put("href", "/v1/nodes?cursor=x")));
    }
}
