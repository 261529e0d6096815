package io.cangku.api;

import io.cangku.auth.Scope;

import java.util.List;
import java.util.Set;

/**
 * What a {@code /v2} request needs, by route and method (distribution {@code handlers/app.go},
 * {@code appendAccessRecords}): reads need pull; writes need pull and push (a client that pushes also
 * reads, e.g. HEAD before upload); deletes need delete; the catalog needs {@code registry:catalog:*}.
 */
final class V2Access {

    private static final Set<String> PULL = Set.of(Scope.PULL);
    private static final Set<String> PUSH = Set.of(Scope.PULL, Scope.PUSH);
    private static final Set<String> DELETE = Set.of(Scope.DELETE);

    private V2Access() {
    }

    static List<Scope> required(V2Route route, String method) {
        return switch (route) {
            case V2Route.Base b -> List.of();
            case V2Route.Catalog c -> List.of(Scope.catalog());
            // cancelling an upload is part of pushing, not a delete of content
            case V2Route.Upload u -> List.of(Scope.repository(u.name().value(), PUSH));
            default -> List.of(Scope.repository(route.repository().value(), actionsFor(method)));
        };
    }

    private static Set<String> actionsFor(String method) {
        return switch (method) {
            case "GET", "HEAD" -> PULL;
            case "DELETE" -> DELETE;
            default -> PUSH;
        };
    }
}
