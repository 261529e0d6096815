package io.cangku.ops;

import io.micrometer.common.KeyValue;
import org.springframework.http.server.observation.DefaultServerRequestObservationConvention;
import org.springframework.http.server.observation.ServerRequestObservationContext;
import org.springframework.web.servlet.HandlerMapping;

/**
 * Names {@code http.server.requests} by the route template the {@code /v2} parser matched
 * ({@code /v2/{name}/blobs/{digest}}) instead of Spring's catch-all {@code /v2/**}. The parser leaves it in
 * Spring's {@link HandlerMapping#BEST_MATCHING_PATTERN_ATTRIBUTE}, after Spring's own matching filled in the
 * observation's pattern, so it is read here when the observation ends. Never a raw path: a repository name,
 * tag or digest as a label value would grow the series without bound.
 */
final class RouteTemplateObservationConvention extends DefaultServerRequestObservationConvention {

    @Override
    protected KeyValue uri(ServerRequestObservationContext context) {
        if (context.getCarrier() != null
                && context.getCarrier().getAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE) instanceof String template
                && template.startsWith("/v2/")) {
            return KeyValue.of("uri", template);
        }
        return super.uri(context);
    }
}
