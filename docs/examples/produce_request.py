#!/usr/bin/env python3
"""Send one factnet request from Python, as a third-party producer must: the command's union branch
named, the Confluent wire format, the key hashed by Java's partitioner.

Needs Debian's python3-confluent-kafka and python3-avro (apt-get install python3-confluent-kafka
python3-avro); the registry is reached through its Confluent API (Apicurio's /apis/ccompat/v7 works).

usage: produce_request.py BOOTSTRAP REGISTRY_URL PROJECT REQUEST_ID COMMAND FIELDS_JSON
  e.g. produce_request.py 127.0.0.1:9092 http://127.0.0.1:8081/apis/ccompat/v7 \\
           acme release-1 ReleaseFloatingIp '{"address": "203.0.113.5"}'

Prints one JSON line: where the request went (topic, partition, offset). Read its answer on
factnet.results, keyed by REQUEST_ID (or run: factnet request ... --wait, from Java).
"""
import datetime
import io
import json
import struct
import sys

import avro.io
from confluent_kafka import Producer
from confluent_kafka.avro import CachedSchemaRegistryClient

TOPIC = "factnet.requests"  # project requests; admin commands go to factnet.admin-requests
SUBJECT = TOPIC + "-value"  # Confluent's TopicNameStrategy, under which factnet registers its schemas
NAMESPACE = "io.factnet.model"


class NamedUnionWriter(avro.io.DatumWriter):
    """Writes the union branch a datum names: ("io.factnet.model.ReleaseFloatingIp", {...}).

    Python's avro library picks a union branch by the shape of the value: ReleaseFloatingIp{address}
    has the shape of DisassociateFloatingIp{address}, and AddVpnPeer{publicKey} that of
    RemoveVpnPeer{publicKey}, so an unnamed release goes out as a disassociate. Always name the branch.
    (fastavro, under pip's confluent-kafka AvroSerializer, takes the same tuple natively.)
    """

    def write(self, datum, encoder):
        # The library's whole-datum validation does not know named branches; each value is still
        # type-checked where it is written (write_data), and each named branch is validated below.
        self.write_data(self.writers_schema, datum, encoder)

    def write_union(self, writers_schema, datum, encoder):
        if isinstance(datum, tuple) and len(datum) == 2:
            name, value = datum
            for index, branch in enumerate(writers_schema.schemas):
                if getattr(branch, "fullname", branch.type) == name:
                    # a field left out takes its schema default, as in Java (this library fills none)
                    value = {**{f.name: f.default for f in branch.fields if f.has_default}, **value}
                    avro.io.validate(branch, value, raise_on_error=True)
                    encoder.write_long(index)
                    return self.write_data(branch, value, encoder)
            raise ValueError(f"{name} is not a branch of the union")
        return super().write_union(writers_schema, datum, encoder)


def encode(schema_id, schema, datum):
    """Confluent's wire format: magic byte 0, the schema id (4 bytes, big-endian), the Avro binary."""
    out = io.BytesIO()
    out.write(struct.pack(">bI", 0, schema_id))
    NamedUnionWriter(schema).write(datum, avro.io.BinaryEncoder(out))
    return out.getvalue()


def main(bootstrap, registry_url, project, request_id, command, fields_json):
    schema_id, schema, _version = CachedSchemaRegistryClient({"url": registry_url}).get_latest_schema(SUBJECT)
    if schema_id is None:
        sys.exit(f"no schema under {SUBJECT} at {registry_url} (has the controller started?)")
    request = {
        "requestId": request_id,
        "project": project,
        "submittedAt": datetime.datetime.now(datetime.timezone.utc),
        "command": (f"{NAMESPACE}.{command}", json.loads(fields_json)),  # the branch, by name
    }
    producer = Producer({
        "bootstrap.servers": bootstrap,
        # Java's partitioner (murmur2 of the key): librdkafka's default (consistent_random, CRC32)
        # puts a project in another partition than the controller expects.
        "partitioner": "murmur2_random",
        "enable.idempotence": True,
        "acks": "all",
    })
    sent = {}

    def delivered(error, message):
        sent["error"] = error
        sent["message"] = message

    producer.produce(TOPIC, key=project.encode("utf-8"), value=encode(schema_id, schema, request), on_delivery=delivered)
    if producer.flush(30) > 0 or sent.get("error") is not None:
        sys.exit(f"not delivered: {sent.get('error', 'no answer from Kafka within 30 s')}")
    message = sent["message"]
    print(json.dumps({"topic": message.topic(), "partition": message.partition(), "offset": message.offset()}))


if __name__ == "__main__":
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    main(*sys.argv[1:])
