package io.cangku.api;

import org.springframework.core.Ordered;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.handler.SimpleUrlHandlerMapping;

import java.util.Map;

/**
 * Maps {@code /v2}, {@code /v2/} and everything under it to {@link V2Controller}, ahead of the annotated
 * controllers' mapping (the console, the admin API, {@code /token}), which is then never consulted for a
 * registry request.
 */
@Component
class V2HandlerMapping extends SimpleUrlHandlerMapping {

    V2HandlerMapping(V2Controller controller) {
        super(Map.of("/v2", controller, "/v2/", controller, "/v2/**", controller), Ordered.HIGHEST_PRECEDENCE + 10);
    }
}
