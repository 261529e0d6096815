package io.cangku.api;

import jakarta.servlet.http.HttpServletRequest;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Query parameters read from the query string only. {@code request.getParameter} would also parse a
 * form-encoded body, consuming a blob upload whose client labelled it so; a registry's parameters are
 * always in the URL.
 */
final class QueryParameters {

    private static final String ATTRIBUTE = QueryParameters.class.getName();
    private final Map<String, String> values;

    private QueryParameters(Map<String, String> values) {
        this.values = values;
    }

    static QueryParameters of(HttpServletRequest request) {
        if (request.getAttribute(ATTRIBUTE) instanceof QueryParameters cached) {
            return cached;
        }
        Map<String, String> values = new HashMap<>();
        String query = request.getQueryString();
        if (query != null) {
            for (String pair : query.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = decode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                values.putIfAbsent(key, value); // the first occurrence wins, as getParameter does
            }
        }
        QueryParameters parameters = new QueryParameters(values);
        request.setAttribute(ATTRIBUTE, parameters);
        return parameters;
    }

    /** The value, or null when absent. */
    String get(String name) {
        return values.get(name);
    }

    private static String decode(String text) {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return text;
        }
    }
}
