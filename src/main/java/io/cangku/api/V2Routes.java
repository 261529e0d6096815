package io.cangku.api;

import jakarta.servlet.http.HttpServletRequest;

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
        return route;
    }
}
