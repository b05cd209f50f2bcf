package io.factnet.controller.http;

import io.factnet.controller.FactnetTopology;
import io.factnet.model.Request;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorSupplier;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.ProcessorWrapper;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.WrappedFixedKeyProcessorSupplier;
import org.apache.kafka.streams.processor.api.WrappedProcessorSupplier;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * The test's hook ({@code processor.wrapper.class}): the project stage fails, outside the handlers' guard, on every
 * attempt at a request whose id starts with {@code poison-bug} (IllegalStateException) or {@code poison-oom}
 * (OutOfMemoryError), and counts the attempts.
 */
public final class FailingProcessorWrapper implements ProcessorWrapper {
    static final Map<String, AtomicInteger> ATTEMPTS = new ConcurrentHashMap<>();

    @Override
    public <KIn, VIn, KOut, VOut> WrappedProcessorSupplier<KIn, VIn, KOut, VOut> wrapProcessorSupplier(
            String name, ProcessorSupplier<KIn, VIn, KOut, VOut> supplier) {
        if (!name.equals(FactnetTopology.PROJECT_STAGE)) {
            return ProcessorWrapper.asWrapped(supplier);
        }
        return ProcessorWrapper.asWrapped(new ProcessorSupplier<KIn, VIn, KOut, VOut>() {
            @Override
            public Processor<KIn, VIn, KOut, VOut> get() {
                Processor<KIn, VIn, KOut, VOut> inner = supplier.get();
                return new Processor<>() {
                    @Override
                    public void init(ProcessorContext<KOut, VOut> context) {
                        inner.init(context);
                    }

                    @Override
                    public void process(Record<KIn, VIn> record) {
                        if (record.value() instanceof Request request) {
                            String id = request.getRequestId();
                            if (id.startsWith("poison-")) {
                                ATTEMPTS.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
                            }
                            if (id.startsWith("poison-bug")) {
                                throw new IllegalStateException("a bug outside the handlers' guard, for " + id);
                            }
                            if (id.startsWith("poison-oom")) {
                                throw new OutOfMemoryError("Java heap space (simulated, for " + id + ")");
                            }
                        }
                        inner.process(record);
                    }

                    @Override
                    public void close() {
                        inner.close();
                    }
                };
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return supplier.stores();
            }
        });
    }

    @Override
    public <KIn, VIn, VOut> WrappedFixedKeyProcessorSupplier<KIn, VIn, VOut> wrapFixedKeyProcessorSupplier(
            String name, FixedKeyProcessorSupplier<KIn, VIn, VOut> supplier) {
        return ProcessorWrapper.asWrappedFixedKey(supplier);
    }
}
