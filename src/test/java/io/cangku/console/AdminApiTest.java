package io.cangku.console;

import io.cangku.auth.TokenAuthRegistry;
import io.cangku.auth.TokenHttp;
import io.cangku.auth.TokenHttp.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The admin API over real HTTP: every refusal is an RFC 9457 problem a person can act on, passwords are
 * bounded and never logged, names cannot look alike, groups and the audit log behave as listed, nothing is
 * cached by a browser or proxy, and the secrets it keeps on disk are readable by the registry's user only.
 */
@DisplayName("Admin API")
@ExtendWith(OutputCaptureExtension.class)
class AdminApiTest {

    static TokenAuthRegistry registry;
    static TokenHttp http;

    @BeforeAll
    static void startRegistry() {
        registry = TokenAuthRegistry.with()
                .set("--registry.auth.throttle.max-failures=1000")
                .user("declared-dan", "declared-password", "ops")
                .start();
        http = registry.http();
    }

    @AfterAll
    static void stopRegistry() {
        registry.close();
    }

    static Map<String, Object> user(String name, String password, String... groups) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", name);
        body.put("password", password);
        body.put("groups", List.of(groups));
        return body;
    }

    /** A problem detail: the status, a problem+json body with the same status, and a detail containing {@code expected}. */
    static void assertProblem(Response response, int status, String expected) {
        assertThat(response.status()).as("%s", response).isEqualTo(status);
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        assertThat(response.json().path("status").asInt()).isEqualTo(status);
        assertThat(response.json().path("detail").asString()).as("%s", response).containsIgnoringCase(expected);
        assertThat(response.text()).doesNotContain("\tat ").doesNotContain("Exception");
    }

    @Nested
    @DisplayName("passwords")
    class Passwords {

        @Test
        @DisplayName("a password that fails validation on POST or PUT /api/users is refused with a reason and never reaches the log")
        void invalidPasswordNotLogged(CapturedOutput output) {
            // given
            String tooShort = "Sh0rt!";
            String tooLong = "L0ng-secret-" + "x".repeat(80);
            http.createUser("pat", "pat-password-1");

            // when
            Response createShort = http.admin("POST", "/api/users", user("pat-two", tooShort));
            Response createLong = http.admin("POST", "/api/users", user("pat-three", tooLong));
            Response updateShort = http.admin("PUT", "/api/users/pat", Map.of("password", tooShort));
            Response updateLong = http.admin("PUT", "/api/users/pat", Map.of("password", tooLong));

            // then
            assertProblem(createShort, 400, "at least 8");
            assertProblem(updateShort, 400, "at least 8");
            assertProblem(createLong, 400, "at most 72 bytes");
            assertProblem(updateLong, 400, "at most 72 bytes");
            assertThat(output.getAll()).doesNotContain(tooShort).doesNotContain(tooLong.substring(0, 20));
            assertThat(http.token("pat", "pat-password-1")).isNotEmpty();
        }

        @ParameterizedTest(name = "{0} bytes")
        @ValueSource(ints = {73, 100, 256, 300})
        @DisplayName("passwords longer than bcrypt's 72 bytes are refused with 400, never 500, and never silently cut")
        void longPasswords(int bytes) {
            // when
            Response created = http.admin("POST", "/api/users", user("long-" + bytes, "p".repeat(bytes)));

            // then
            assertProblem(created, 400, "at most 72 bytes");
            assertThat(http.admin("GET", "/api/users/long-" + bytes, null).status()).isEqualTo(404);
        }

        @Test
        @DisplayName("at login, a password that agrees with the real one in its first 72 bytes only is wrong")
        void noTruncationAtLogin() {
            // given
            String password = "k".repeat(72);
            http.createUser("seventy-two", password);

            // when
            Response exact = http.tokenGet("seventy-two", password, null);
            Response longer = http.tokenGet("seventy-two", password + "-anything", null);

            // then
            assertThat(exact.status()).isEqualTo(200);
            assertThat(longer.status()).isEqualTo(401);
        }
    }

    @Nested
    @DisplayName("names")
    class Names {

        @Test
        @DisplayName("user and robot names are unique whatever their case: Admin cannot sit beside admin")
        void lookAlikeNames() {
            // when
            Response upper = http.admin("POST", "/api/users", user("Admin", "look-alike-password"));
            Response robot = http.admin("POST", "/api/robots", Map.of("name", "ADMIN"));
            Response mixed = http.admin("POST", "/api/users", user("Declared-Dan", "look-alike-password"));

            // then
            for (Response response : List.of(upper, robot, mixed)) {
                assertThat(response.status()).as("%s", response).isIn(400, 409);
                assertThat(response.json().path("detail").asString()).contains("lowercase");
            }
            assertThat(http.admin("GET", "/api/users", null).text()).doesNotContain("\"Admin\"").doesNotContain("\"ADMIN\"");
        }

        @Test
        @DisplayName("group names are validated like user names, wherever a group is named")
        void groupNames() {
            // when
            Response inUser = http.admin("POST", "/api/users", user("gina", "gina-password", "Team A"));
            Response inRule = http.admin("POST", "/api/rules", Map.of("repositories", "team-a/**", "groups", List.of("../etc"),
                    "actions", List.of("pull")));
            Response saved = http.admin("PUT", "/api/groups/Team%20A", Map.of("description", "x"));
            Response upper = http.admin("PUT", "/api/groups/TeamA", Map.of("description", "x"));

            // then
            assertProblem(inUser, 400, "group");
            assertProblem(inRule, 400, "group");
            assertProblem(saved, 400, "group");
            assertProblem(upper, 400, "lowercase");
        }
    }

    @Nested
    @DisplayName("errors")
    class Errors {

        @Test
        @DisplayName("a duplicate robot is 409 saying so; a robot's expiresIn takes 90d as configuration does, ISO-8601, and explains anything else")
        void robots() {
            // when
            Response first = http.admin("POST", "/api/robots", Map.of("name", "ci-dup"));
            Response duplicate = http.admin("POST", "/api/robots", Map.of("name", "ci-dup"));
            Response days = http.admin("POST", "/api/robots", Map.of("name", "ci-days", "expiresIn", "90d"));
            Response iso = http.admin("POST", "/api/robots", Map.of("name", "ci-iso", "expiresIn", "P30D"));
            Response nonsense = http.admin("POST", "/api/robots", Map.of("name", "ci-bad", "expiresIn", "soon"));
            Response tooLong = http.admin("POST", "/api/robots", Map.of("name", "ci-long", "expiresIn", "5000d"));

            // then
            assertThat(first.status()).isEqualTo(201);
            assertProblem(duplicate, 409, "ci-dup already exists");
            assertThat(days.status()).as("%s", days).isEqualTo(201);
            assertThat(Instant.parse(days.json().path("expiresAt").asString()))
                    .isBetween(Instant.now().plus(Duration.ofDays(89)), Instant.now().plus(Duration.ofDays(91)));
            assertThat(iso.status()).as("%s", iso).isEqualTo(201);
            assertThat(Instant.parse(iso.json().path("expiresAt").asString()))
                    .isBetween(Instant.now().plus(Duration.ofDays(29)), Instant.now().plus(Duration.ofDays(31)));
            assertProblem(nonsense, 400, "90d");
            assertProblem(nonsense, 400, "P90D");
            assertProblem(tooLong, 400, "10 years");
        }

        @Test
        @DisplayName("malformed JSON, a missing name, an unknown user and a declared account each get a problem detail saying what is wrong")
        void reasons() {
            // when
            Response malformed = http.send("POST", "/api/users", "{\"name\": ".getBytes(),
                    "Authorization", TokenHttp.basic(TokenAuthRegistry.ADMIN, TokenAuthRegistry.ADMIN_PASSWORD),
                    "Content-Type", "application/json");
            Response noName = http.admin("POST", "/api/users", Map.of("password", "some-password"));
            Response unknown = http.admin("GET", "/api/users/nobody-here", null);
            Response declared = http.admin("DELETE", "/api/users/declared-dan", null);
            Response self = http.admin("DELETE", "/api/users/admin", null);

            // then
            assertProblem(malformed, 400, "JSON");
            assertProblem(noName, 400, "name");
            assertProblem(unknown, 404, "nobody-here");
            assertProblem(declared, 409, "configuration");
            assertProblem(self, 409, "your own account");
        }

        @Test
        @DisplayName("every /api response, the one-time robot secret above all, carries Cache-Control: no-store")
        void noStore() {
            // when
            Response robot = http.admin("POST", "/api/robots", Map.of("name", "ci-nostore"));
            Response list = http.admin("GET", "/api/users", null);
            Response problem = http.admin("GET", "/api/users/nobody-here", null);
            Response unauthenticated = http.get("/api/users");

            // then
            assertThat(robot.status()).isEqualTo(201);
            for (Response response : List.of(robot, list, problem, unauthenticated)) {
                assertThat(response.header("Cache-Control")).as("%s", response).isEqualTo("no-store");
            }
        }
    }

    @Nested
    @DisplayName("groups")
    class Groups {

        @Test
        @DisplayName("every group GET /api/groups lists can be deleted, or the refusal says who still names it")
        void listedGroupsCanBeDeletedOrSayWhy() {
            // given a stored group nobody names, a group only implied by a member, and one both stored and named
            assertThat(http.admin("PUT", "/api/groups/lonely", Map.of("description", "nobody in it")).status()).isEqualTo(200);
            http.createUser("member-mo", "member-password", "implied");
            assertThat(http.admin("PUT", "/api/groups/named", Map.of("description", "has a rule")).status()).isEqualTo(200);
            assertThat(http.admin("POST", "/api/rules", Map.of("repositories", "named/**", "groups", List.of("named"),
                    "actions", List.of("pull"))).status()).isEqualTo(201);
            List<String> listed = new ArrayList<>();
            http.admin("GET", "/api/groups", null).json().forEach(g -> listed.add(g.path("name").asString()));
            assertThat(listed).contains("lonely", "implied", "named");

            // when
            Response lonely = http.admin("DELETE", "/api/groups/lonely", null);
            Response implied = http.admin("DELETE", "/api/groups/implied", null);
            Response named = http.admin("DELETE", "/api/groups/named", null);
            Response absent = http.admin("DELETE", "/api/groups/never-was", null);

            // then
            assertThat(lonely.status()).isEqualTo(204);
            assertProblem(implied, 409, "member-mo");
            assertProblem(named, 409, "rule");
            assertProblem(absent, 404, "never-was");
            List<String> after = new ArrayList<>();
            http.admin("GET", "/api/groups", null).json().forEach(g -> after.add(g.path("name").asString()));
            assertThat(after).doesNotContain("lonely").contains("implied", "named");
        }
    }

    @Nested
    @DisplayName("the audit log")
    class Audit {

        static final Pattern NEXT = Pattern.compile("<([^>]+)>;\\s*rel=\"next\"");

        @Test
        @DisplayName("?limit=5 gives the five newest events, newest first, and a Link to the next (older) page")
        void newestFirstWithPaging() {
            // given twelve user changes, one after another
            for (int i = 0; i < 12; i++) {
                assertThat(http.admin("PUT", "/api/groups/paged-" + i, Map.of()).status()).isEqualTo(200);
            }
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(targets(http.admin("GET", "/api/audit?limit=1000", null)))
                    .contains("paged-11", "paged-0"));

            // when
            Response first = http.admin("GET", "/api/audit?limit=5", null);
            String next = nextLink(first);
            Response second = http.admin("GET", next, null);
            Response third = http.admin("GET", nextLink(second), null);

            // then
            assertThat(targets(first)).containsExactly("paged-11", "paged-10", "paged-9", "paged-8", "paged-7");
            assertThat(targets(second)).containsExactly("paged-6", "paged-5", "paged-4", "paged-3", "paged-2");
            assertThat(targets(third)).startsWith("paged-1", "paged-0");
            List<Instant> times = new ArrayList<>();
            Stream.of(first, second, third).forEach(r -> r.json().forEach(e -> times.add(Instant.parse(e.path("at").asString()))));
            assertThat(times).isSortedAccordingTo(java.util.Comparator.reverseOrder());
            assertProblem(http.admin("GET", "/api/audit?before=not-a-cursor", null), 400, "before");
        }

        @Test
        @DisplayName("a client fetching many tokens with the same password writes one login event per interval, and every failure")
        void loginsAreNotRepeated() {
            // given
            http.createUser("often", "often-password");
            Instant since = Instant.now();

            // when
            for (int i = 0; i < 5; i++) {
                http.token("often", "often-password", "repository:often/app:pull");
            }
            http.tokenGet("often", "wrong-password-1", null);
            http.tokenGet("often", "wrong-password-2", null);

            // then
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                List<String> events = new ArrayList<>();
                http.admin("GET", "/api/audit?since=" + since + "&limit=1000", null).json().forEach(e -> {
                    if ("often".equals(e.path("actor").asString(""))) {
                        events.add(e.path("action").asString() + " " + e.path("result").asString());
                    }
                });
                assertThat(events).containsExactlyInAnyOrder("login ok", "login denied", "login denied");
            });
        }

        static List<String> targets(Response response) {
            assertThat(response.status()).as("%s", response).isEqualTo(200);
            List<String> targets = new ArrayList<>();
            response.json().forEach(e -> {
                if ("save-group".equals(e.path("action").asString()) && e.path("target").asString("").startsWith("paged-")) {
                    targets.add(e.path("target").asString());
                }
            });
            return targets;
        }

        static String nextLink(Response response) {
            String link = response.header("Link");
            assertThat(link).as("Link of %s", response).isNotNull();
            Matcher matcher = NEXT.matcher(link);
            assertThat(matcher.find()).isTrue();
            return matcher.group(1);
        }
    }

    @Test
    @DisplayName("signing keys and accounts under the storage root are readable by the registry's user only (0600 files, 0700 directories)")
    void secretsOnDiskAreOwnerOnly() throws IOException {
        // given an account and a signing key written by the registry
        http.createUser("perm-pete", "perm-password");

        // then
        Path auth = registry.root().resolve("_auth");
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(auth)) {
            paths = walk.toList();
        }
        assertThat(paths).anyMatch(p -> p.toString().contains("keys")).anyMatch(p -> p.endsWith("perm-pete"));
        for (Path path : paths) {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(path);
            Set<PosixFilePermission> expected = Files.isDirectory(path)
                    ? EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE)
                    : EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
            assertThat(permissions).as("%s", path).isEqualTo(expected);
        }
    }
}
