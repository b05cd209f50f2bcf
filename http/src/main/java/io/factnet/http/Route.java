package io.factnet.http;

/**
 * What a server answers. A {@link RuntimeException} it throws becomes a 500 with an error id, never
 * the exception's text (see {@link HttpService}); an answer the client should see, errors included, is a {@link Reply}.
 */
@FunctionalInterface
public interface Route {
    Reply answer(Call call);
}
