package io.factnet.cli.request;

import io.factnet.model.Allocation;
import io.factnet.model.AllocateFloatingIp;
import io.factnet.model.AppliedAck;
import io.factnet.model.FloatingNat;
import io.factnet.model.NodeRef;
import io.factnet.model.NodeRole;
import io.factnet.model.Reason;
import io.factnet.model.ReleaseFloatingIp;
import io.factnet.model.Request;
import io.factnet.model.Result;
import io.factnet.model.RoutingEntry;
import io.factnet.model.Status;
import io.factnet.registry.SchemaRegistryClient;
import io.factnet.serde.RecordDecoder;
import io.factnet.topics.NodeKeys;
import io.factnet.topics.Topic;
import io.factnet.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Plays the controller and one routing agent for the CLI's tests, on a real broker, until the real
 * controller is merged: reads the three request topics, writes a Result per request and, for floating
 * IPs, the node record and the agent's AppliedAck. Scripted by the request: project "silent" gets no
 * answer; pool "empty" is refused; pool "broken" is applied with an error; pool "other-failed" is applied, the
 * ack naming another resource as not applied; pool "own-failed" names the request's own; release writes a tombstone.
 */
final class FakeController implements AutoCloseable {
    static final String NODE = "node-1";
    static final int PARTITIONS = 4;

    record Arrival(String topic, int partition, String key, Request request) {
    }

    private final List<Arrival> arrivals = new CopyOnWriteArrayList<>();
    private final KafkaConsumer<String, byte[]> consumer;
    private final KafkaProducer<String, byte[]> producer;
    private final SchemaRegistryClient registry;
    private final AtomicInteger nextAddress = new AtomicInteger(10);
    private final Thread loop;
    private volatile boolean running = true;
    private volatile Throwable failure;

    FakeController(String bootstrap, SchemaRegistryClient registry) {
        this.registry = registry;
        this.consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new StringDeserializer(), new ByteArrayDeserializer());
        this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (Topic<String, Request> topic : List.of(Topics.REQUESTS, Topics.ADMIN_REQUESTS, Topics.NODE_EVENTS)) {
            for (int p = 0; p < PARTITIONS; p++) {
                partitions.add(new TopicPartition(topic.name(), p));
            }
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        this.loop = new Thread(this::run, "fake-controller");
        loop.start();
    }

    /** The request with this id as it arrived, waiting for it up to the deadline. */
    Arrival arrival(String requestId) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            Optional<Arrival> found = arrivals.stream().filter(a -> a.request().getRequestId().equals(requestId)).findFirst();
            if (found.isPresent()) {
                return found.get();
            }
            Thread.sleep(20); // polling with a deadline
        }
        throw new AssertionError("request " + requestId + " never arrived" + (failure != null ? ": " + failure : ""));
    }

    private void run() {
        RecordDecoder<Request> decoder = new RecordDecoder<>(Topics.REQUESTS.valueDeserializer(registry));
        try {
            while (running) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(50))) {
                    Request request = decoder.value(record);
                    arrivals.add(new Arrival(record.topic(), record.partition(), record.key(), request));
                    respond(request);
                }
            }
        } catch (org.apache.kafka.common.errors.WakeupException e) {
            // closing
        } catch (Exception e) {
            failure = e;
        }
    }

    private void respond(Request request) throws ExecutionException, InterruptedException {
        if (request.getProject().equals("silent") || request.getCommand() instanceof AppliedAck) {
            return;
        }
        Result.Builder result = Result.newBuilder().setRequestId(request.getRequestId()).setProject(request.getProject())
                .setCommand(((org.apache.avro.specific.SpecificRecord) request.getCommand()).getSchema().getName())
                .setStatus(Status.ACCEPTED).setReason(Reason.OK).setMessage("done").setCompletedAt(Instant.now());
        if (request.getCommand() instanceof AllocateFloatingIp allocate) {
            if (allocate.getPool().equals("empty")) {
                send(Topics.RESULTS, request.getRequestId(), result.setStatus(Status.REJECTED).setReason(Reason.POOL_EXHAUSTED)
                        .setMessage("pool empty has no free address").build());
                return;
            }
            String address = "203.0.113." + nextAddress.getAndIncrement();
            long offset = sendToNode(request.getRequestId(), address, new RoutingEntry(request.getProject(), request.getRequestId(),
                    new FloatingNat(address, "10.0.0.5", null)));
            send(Topics.RESULTS, request.getRequestId(), result.setMessage("allocated " + address)
                    .setAllocated(Allocation.newBuilder().setAddress(address).setPool(allocate.getPool()).build())
                    .setTouched(List.of(new NodeRef(NODE, NodeRole.ROUTING))).build());
            switch (allocate.getPool()) {
                case "broken" -> ack(offset, "nft: Error: syntax error, unexpected '}'", null);
                // an agent that applied this request but not another resource (its network's bridge failed)
                case "other-failed" -> ack(offset, "failed 1 entries (retrying): \"fip/198.51.100.250\": ip -batch failed",
                        List.of("fip/198.51.100.250"));
                case "own-failed" -> ack(offset, "failed 1 entries (retrying): \"fip/" + address + "\": dnsmasq failed",
                        List.of("fip/" + address));
                default -> ack(offset, null, null);
            }
        } else if (request.getCommand() instanceof ReleaseFloatingIp release) {
            long offset = sendToNode(request.getRequestId(), release.getAddress(), null);
            send(Topics.RESULTS, request.getRequestId(), result.setTouched(List.of(new NodeRef(NODE, NodeRole.ROUTING))).build());
            ack(offset, null, null);
        } else {
            send(Topics.RESULTS, request.getRequestId(), result.build());
        }
    }

    /** As the controller writes node records: every one, tombstones too, names its request in a header. */
    private long sendToNode(String requestId, String address, RoutingEntry entry) throws ExecutionException, InterruptedException {
        byte[] value = entry == null ? null : Topics.NODE_ROUTING.valueSerde(registry).serializer().serialize(Topics.NODE_ROUTING.name(), entry);
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topics.NODE_ROUTING.name(), NodeKeys.partition(NODE, PARTITIONS),
                NodeKeys.key(NODE, "fip/" + address), value);
        record.headers().add(NodeKeys.REQUEST_ID_HEADER, requestId.getBytes(StandardCharsets.UTF_8));
        return producer.send(record).get().offset();
    }

    private void ack(long offset, String error, List<String> notApplied) throws ExecutionException, InterruptedException {
        AppliedAck ack = AppliedAck.newBuilder().setNodeId(NODE).setRole(NodeRole.ROUTING)
                .setPartition(NodeKeys.partition(NODE, PARTITIONS)).setAppliedOffset(offset).setApplyMillis(3).setError(error)
                .setNotApplied(notApplied).build();
        send(Topics.NODE_EVENTS, NODE + "/routing", Request.newBuilder().setRequestId("ack-" + offset).setProject("_admin")
                .setSubmittedAt(Instant.now()).setCommand(ack).build());
    }

    private <V extends org.apache.avro.specific.SpecificRecord> void send(Topic<String, V> topic, String key, V value)
            throws ExecutionException, InterruptedException {
        producer.send(new ProducerRecord<>(topic.name(), key, topic.valueSerde(registry).serializer().serialize(topic.name(), value))).get();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        loop.join(10_000);
        consumer.close();
        producer.close();
    }
}
