package io.cangku.api;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.web.servlet.HandlerMapping;

import java.util.Map;

/** Parses a request's route once and keeps it on the request, for the auth check and the endpoint alike. */
public final class V2Routes {

    private static final String ATTRIBUTE = V2Route.class.getName();

    private V2Routes() {
    }

    public static V2Route of(HttpServletRequest request) {
        Object cached = request.getAttribute(ATTRIBUTE);
        if (cached instanceof V2Route route) {
            return route;
        }
        String path = request.getRequestURI().substring(request.getContextPath().length());
        V2Route route = V2Route.parse(path);
        request.setAttribute(ATTRIBUTE, route);
        // Spring's own names for "the pattern this request matched" and its variables: metrics and the access
        // log read them, so they see /v2/{name}/blobs/{digest} rather than the catch-all /v2/**.
        request.setAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE, route.template());
        if (route.repository() != null) {
            request.setAttribute(HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE, Map.of("name", route.repository().toString()));
        }
        return route;
    }
}
