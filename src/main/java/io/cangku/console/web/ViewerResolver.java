package io.cangku.console.web;

import io.cangku.auth.AccessPolicy;
import io.cangku.auth.Account;
import io.cangku.auth.AccountDirectory;
import io.cangku.auth.AuthProperties;
import io.cangku.auth.Subject;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.security.Principal;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Turns the session's principal into a {@link Viewer}, reading the account afresh. */
@Component
class ViewerResolver {

    private final AccountDirectory directory;
    private final AccessPolicy policy;
    private final AuthProperties auth;

    ViewerResolver(AccountDirectory directory, AccessPolicy policy, AuthProperties auth) {
        this.directory = directory;
        this.policy = policy;
        this.auth = auth;
    }

    /** Empty when the session's account was deleted or expired since sign-in: the session must end. */
    Optional<Viewer> resolve(Principal principal) throws IOException {
        if (!auth.enabled()) {
            return Optional.of(new Viewer(Subject.ANONYMOUS, List.of(), true, policy));
        }
        if (principal == null) {
            return Optional.empty();
        }
        Optional<Account> account = directory.findAccount(principal.getName());
        if (account.isEmpty() || account.get().isExpired(Instant.now())) {
            return Optional.empty();
        }
        return Optional.of(new Viewer(Subject.of(account.get()), policy.rules(), false, policy));
    }
}
