package io.factnet.registry;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Registry settings under Confluent's property names, so that a config written for Confluent's
 * serializers works here too.
 *
 * @param urls              {@code schema.registry.url}: comma-separated base URLs, tried in order; {@code mock://scope} for the in-memory registry
 * @param userInfo          {@code basic.auth.user.info} ("user:password") when {@code basic.auth.credentials.source=USER_INFO}
 * @param timeout           {@code schema.registry.request.timeout.ms}: connect and request timeout
 * @param autoRegister      {@code auto.register.schemas}: register the writer's schema, or only look its id up
 * @param tls               {@code schema.registry.ssl.*}: trust and key stores for https
 */
public record SchemaRegistryConfig(List<String> urls, Optional<String> userInfo, Duration timeout,
                                   boolean autoRegister, TlsSettings tls) {

    public static final String URL = "schema.registry.url";
    public static final String CREDENTIALS_SOURCE = "basic.auth.credentials.source";
    public static final String USER_INFO = "basic.auth.user.info";
    public static final String TIMEOUT_MS = "schema.registry.request.timeout.ms";
    public static final String AUTO_REGISTER = "auto.register.schemas";
    public static final String MOCK_PREFIX = "mock://";

    public SchemaRegistryConfig {
        if (urls.isEmpty()) {
            throw new IllegalArgumentException(URL + " is not set");
        }
        urls = List.copyOf(urls);
    }

    public static SchemaRegistryConfig of(String url) {
        return from(Map.of(URL, url));
    }

    public static SchemaRegistryConfig from(Map<String, ?> props) {
        Object url = props.get(URL);
        if (url == null || url.toString().isBlank()) {
            throw new IllegalArgumentException(URL + " is not set");
        }
        List<String> urls = Arrays.stream(url.toString().split(","))
                .map(String::trim).filter(s -> !s.isEmpty())
                .map(s -> s.endsWith("/") ? s.substring(0, s.length() - 1) : s)
                .toList();
        String source = string(props, CREDENTIALS_SOURCE, "USER_INFO");
        Optional<String> userInfo = Optional.ofNullable(props.get(USER_INFO)).map(Object::toString)
                .filter(s -> !s.isBlank() && "USER_INFO".equalsIgnoreCase(source));
        Duration timeout = Duration.ofMillis(Long.parseLong(string(props, TIMEOUT_MS, "10000")));
        boolean autoRegister = Boolean.parseBoolean(string(props, AUTO_REGISTER, "true"));
        return new SchemaRegistryConfig(urls, userInfo, timeout, autoRegister, TlsSettings.from(props));
    }

    public boolean inMemory() {
        return urls.get(0).startsWith(MOCK_PREFIX);
    }

    static String string(Map<String, ?> props, String key, String fallback) {
        Object value = props.get(key);
        return value == null ? fallback : value.toString();
    }
}
