package io.cangku.console;

import io.cangku.auth.TokenAuthRegistry;
import io.cangku.auth.TokenHttp;
import io.cangku.gc.CollectionRun;
import io.cangku.events.WebhookReceiver;
import io.cangku.gc.CollectionRuns;
import io.cangku.oci.RepositoryName;
import io.cangku.oci.Tag;
import io.cangku.storage.ObjectStore;
import io.cangku.storage.StorageLayout;
import io.cangku.testing.OciLayout;
import io.cangku.testing.Processes;
import io.cangku.testing.RequiresTool;
import io.cangku.testing.TestBlob;
import io.cangku.testing.TestImage;
import io.cangku.testing.TestImages;
import io.cangku.testing.TestIndex;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The web console in a real headless Chromium against the whole registry on a free port: one registry and one
 * browser for every test, in order (later tests build on what earlier ones did, and the last one fills the
 * registry with 10,000 repositories). Every page visited passes an axe-core scan with no serious or critical
 * violation and leaves no error in the browser console; screenshots land in {@code target/console-screenshots}.
 */
@RequiresTool({"chromium", "chromedriver"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {

    static final String ALICE = "alice";
    static final String ALICE_PASSWORD = "alice-password-7";
    static final String SBOM = "application/vnd.example.sbom.v1+json";
    static final String SIGNATURE = "application/vnd.dev.cosign.artifact.sig.v1+json";

    static final String HOOK_SECRET = "console-test-hook-secret";

    WebhookReceiver receiver;
    TokenAuthRegistry registry;
    TokenHttp http;
    ConsoleBrowser browser;
    TestImage app;
    TestImage oldImage;

    @BeforeAll
    void start() {
        // a grace period of two seconds (as in the collector's own client tests), so that the collection in the
        // maintenance tests, a minute later, frees what the delete tests before it left behind
        // two webhook endpoints for pushes under hooked/**: one that takes them, one that is down
        receiver = new WebhookReceiver();
        receiver.answer("/down", 503);
        registry = TokenAuthRegistry.with().user(ALICE, ALICE_PASSWORD).set("--registry.gc.grace-period=2s")
                .set("--registry.notifications.poll-interval=100ms")
                .set("--registry.notifications.retry-initial=100ms")
                .set("--registry.notifications.retry-max=5s")
                .set("--registry.notifications.endpoints[0].name=ci")
                .set("--registry.notifications.endpoints[0].url=" + receiver.url("/hook"))
                .set("--registry.notifications.endpoints[0].repositories=hooked/**")
                .set("--registry.notifications.endpoints[0].secret=" + HOOK_SECRET)
                .set("--registry.notifications.endpoints[1].name=down")
                .set("--registry.notifications.endpoints[1].url=" + receiver.url("/down"))
                .set("--registry.notifications.endpoints[1].repositories=hooked/**")
                .set("--registry.notifications.endpoints[1].format=cloudevents")
                .set("--registry.notifications.endpoints[1].actions=push")
                .start();
        http = registry.http();
        // given: an image with three layers under two tags, a signature and an SBOM referring to it, a
        // two-platform index, a repository of alice's and one she may not see
        app = TestImages.image().seed(1).randomLayers(3, 48 * 1024).build();
        push("team/app", app, "1.0");
        tag("team/app", app, "latest");
        pushReferrer("team/app", app.manifest(), SBOM, "{\"spdxVersion\":\"SPDX-2.3\"}");
        pushReferrer("team/app", app.manifest(), SIGNATURE, "{\"critical\":{}}");
        TestIndex multi = TestImages.index(TestImages.image().seed(2).platform("linux", "amd64").build(),
                TestImages.image().seed(3).platform("linux", "arm64").build());
        for (TestImage image : multi.images()) {
            push("team/multi", image, null);
        }
        putManifest("team/multi", "2.1", multi.index());
        oldImage = TestImages.image().seed(4).build();
        push("team/old", oldImage, "a");
        tag("team/old", oldImage, "b");
        http.pushImageAsAdmin("alice/tool", "v1");
        http.pushImageAsAdmin("other/secret", "v1");
        browser = ConsoleBrowser.open(registry.uri());
    }

    @AfterAll
    void stop() {
        try {
            if (browser != null) {
                browser.close();
            }
        } finally {
            registry.close();
            receiver.close();
        }
    }

    /**
     * Every test but the first (which signs in itself) starts signed in as the administrator, whatever the test
     * before it left behind: one failure midway through the non-administrator's test must not fail all the rest.
     */
    @BeforeEach
    void signedInAsTheAdministrator(TestInfo test) {
        if (test.getTestMethod().map(m -> m.getName().equals("signsInWithTheKeyboardAndFindsARepositoryBySearch")).orElse(false)) {
            return;
        }
        browser.get("/status");
        if (!TokenAuthRegistry.ADMIN.equals(browser.signedInAs())) {
            browser.signIn(TokenAuthRegistry.ADMIN, TokenAuthRegistry.ADMIN_PASSWORD);
        }
    }

    @Test
    @Order(1)
    void signsInWithTheKeyboardAndFindsARepositoryBySearch() {
        // given: a visitor who is not signed in is sent to the sign-in page
        browser.get("/");
        browser.waitUntil(d -> d.getCurrentUrl().contains("/login"));
        browser.checkPage("01-login");

        // when: a wrong password, then the right one, typed with the keyboard alone
        browser.signIn(TokenAuthRegistry.ADMIN, "not-the-password");
        assertThat(browser.path()).startsWith("/login?error");
        assertThat(browser.text(By.cssSelector(".alert.error"))).contains("Incorrect user name or password");
        browser.signIn(TokenAuthRegistry.ADMIN, TokenAuthRegistry.ADMIN_PASSWORD);

        // then: the repositories, each with its tag count and last push
        assertThat(browser.heading()).isEqualTo("Repositories");
        assertThat(repositoryNames()).containsExactly("alice/tool", "other/secret", "team/app", "team/multi", "team/old");
        assertThat(rowOf("team/app").getText()).matches("team/app 2 not measured yet (just now|\\d+ minutes? ago)");
        assertThat(browser.text(By.id("results"))).contains("Sizes: not measured yet — run a collection on the Maintenance page");
        browser.checkPage("02-repositories");

        // when: typing in the search box (htmx asks for the matching rows as one types)
        WebElement search = browser.find(By.id("q"));
        search.sendKeys("mult");
        browser.waitUntil(d -> repositoryNames().equals(List.of("team/multi")));

        // then: the address follows the search, so it can be shared or reloaded
        browser.waitUntil(d -> d.getCurrentUrl().contains("q=mult"));
        browser.checkPage("03-search");
    }

    @Test
    @Order(2)
    void opensARepositoryAndAManifestWithItsConfigLayersAndReferrersByKeyboard() {
        // given
        browser.get("/repositories");

        // when: Tab to the repository's link and press Enter
        browser.tabTo(e -> "team/app".equals(e.getText()), "the link to team/app");
        browser.press(Keys.ENTER);

        // then: its tags with digest, size and push time, and the pull command to copy
        browser.waitUntil(d -> browser.path().startsWith("/repository?name=team"));
        assertThat(browser.heading()).isEqualTo("team/app");
        assertThat(tagNames()).containsExactly("1.0", "latest");
        assertThat(browser.find(By.id("pull-cmd")).getDomAttribute("value"))
                .isEqualTo("docker pull " + registry.hostPort() + "/team/app:1.0");
        assertThat(browser.all(By.cssSelector("button[data-copy='" + app.manifest().digest() + "']"))).hasSize(2);
        browser.checkPage("04-repository");

        // when: the copy button for the pull command is pressed with the keyboard
        browser.tabTo(e -> "Copy".equals(e.getText()), "the pull command's copy button");
        browser.press(Keys.ENTER);
        browser.waitUntil(d -> !browser.all(By.cssSelector("button.copy.copied")).isEmpty());

        // when: opening the manifest of tag 1.0
        browser.clickToLoad(By.linkText("1.0"));

        // then: the config (created, command, environment, labels, history), three layers with sizes, and the
        // referrers grouped by artifact type
        browser.waitUntil(d -> browser.path().startsWith("/manifest"));
        assertThat(browser.text(By.cssSelector(".facts"))).contains(app.manifest().digest()).contains("2024-01-01 00:00:00 UTC")
                .contains("linux/amd64");
        String config = browser.text(By.cssSelector("section[aria-labelledby=config-h]"));
        assertThat(config).contains("/bin/true").contains("PATH=/usr/local/sbin").contains("io.cangku.test.seed")
                .contains("TestImages layer 3");
        List<WebElement> layerRows = browser.all(By.cssSelector("section[aria-labelledby=layers-h] tbody tr:not(.config-row)"));
        assertThat(layerRows).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(layerRows.get(i).getText()).contains(app.layers().get(i).digest().substring(0, 19));
        }
        List<String> groups = browser.all(By.cssSelector(".referrer-group h3 code")).stream().map(WebElement::getText).toList();
        assertThat(groups).containsExactly(SIGNATURE, SBOM);
        browser.checkPage("05-manifest");

        // when: a multi-platform index
        browser.get("/repository?name=team/multi");
        assertThat(browser.text(By.cssSelector("table.data tbody"))).contains("OCI index").contains("linux/amd64")
                .contains("linux/arm64");
        browser.clickToLoad(By.linkText("2.1"));
        browser.waitUntil(d -> browser.path().startsWith("/manifest"));

        // then: its images with their platforms, each a link to its own manifest
        String children = browser.text(By.cssSelector("section[aria-labelledby=children-h]"));
        assertThat(children).contains("linux/amd64").contains("linux/arm64");
        browser.checkPage("06-index");
    }

    @Test
    @Order(3)
    void deletesATagAfterAConfirmationNamingItAndV2NoLongerServesIt() {
        // given
        browser.get("/repository?name=team/app");

        // when: the tag's delete link, reached and pressed with the keyboard alone
        browser.enterToLoad(By.cssSelector("a[aria-label='Delete tag latest']"), "the delete link of tag latest");

        // then: a confirmation that names the tag, confirmed with the keyboard too
        assertThat(browser.heading()).isEqualTo("Delete tag team/app:latest?");
        browser.checkPage("07-confirm-tag-delete");
        browser.enterToLoad(By.cssSelector(".danger-zone button[type=submit]"), "the button confirming the delete");

        // then: gone from the page and from the registry API
        assertThat(browser.text(By.cssSelector(".alert.ok"))).contains("Tag latest deleted");
        assertThat(tagNames()).containsExactly("1.0");
        assertThat(v2Status("team/app", "latest")).isEqualTo(404);
        assertThat(v2Status("team/app", "1.0")).isEqualTo(200);
    }

    @Test
    @Order(4)
    void deletesAManifestNamingEveryTagOnIt() {
        // given: team/old has one manifest under tags a and b
        browser.get("/repository?name=team/old");
        browser.clickToLoad(By.linkText("a"));
        browser.enterToLoad(By.linkText("Delete manifest…"), "the manifest's delete link");

        // then: the confirmation lists both tags
        assertThat(browser.heading()).startsWith("Delete manifest sha256:");
        assertThat(browser.all(By.cssSelector(".danger-zone li")).stream().map(WebElement::getText))
                .containsExactly("team/old:a", "team/old:b");
        browser.checkPage("08-confirm-manifest-delete");

        // when: confirmed with the keyboard alone
        browser.enterToLoad(By.cssSelector(".danger-zone button[type=submit]"), "the button confirming the delete");

        // then
        assertThat(browser.text(By.cssSelector(".alert.ok"))).contains("deleted");
        assertThat(v2Status("team/old", "a")).isEqualTo(404);
        assertThat(v2Status("team/old", "b")).isEqualTo(404);
    }

    @Test
    @Order(5)
    @RequiresTool("skopeo")
    void createsARuleAndARobotAccountWhoseSecretPushesWithSkopeo(@TempDir Path tmp) throws IOException {
        // given: a rule letting group builders push to ci/**, made in the console
        browser.get("/access/rules");
        browser.find(By.id("rule-repos")).sendKeys("ci/**");
        browser.find(By.id("rule-groups")).sendKeys("builders");
        browser.find(By.id("act-push")).click();
        browser.clickToLoad(By.cssSelector("form[action='/access/rules'] button[type=submit]"));
        assertThat(browser.text(By.cssSelector(".alert.ok"))).contains("Rule for ci/** created");
        assertThat(browser.text(By.cssSelector("table.data"))).contains("ci/**").contains("group builders").contains("pull, push");
        browser.checkPage("09-rules");

        // when: a robot account in that group
        browser.get("/access/robots");
        browser.find(By.id("r-name")).sendKeys("ci-bot");
        browser.find(By.id("r-groups")).sendKeys("builders");
        browser.clickToLoad(By.cssSelector("form[action='/access/robots'] button[type=submit]"));

        // then: the secret, once, with a copy button and the docker login line
        assertThat(browser.heading()).isEqualTo("Robot account ci-bot created");
        String secret = browser.find(By.id("secret")).getDomAttribute("value");
        assertThat(secret).hasSizeGreaterThanOrEqualTo(40);
        assertThat(browser.find(By.cssSelector("button[data-copy='" + secret + "']")).getText()).isEqualTo("Copy secret");
        assertThat(browser.find(By.id("login-cmd")).getDomAttribute("value"))
                .isEqualTo("echo '" + secret + "' | docker login " + registry.hostPort() + " -u ci-bot --password-stdin");
        browser.screenshotWithoutSecret("10-robot-created");

        // when: skopeo pushes with that secret
        TestImage image = TestImages.image().seed(5).build();
        OciLayout layout = OciLayout.create(tmp.resolve("layout")).add(image, "v1");
        Path auth = Files.writeString(tmp.resolve("auth.json"), "{\"auths\":{}}");
        Processes.Output pushed = Processes.command("skopeo", "copy", "--dest-tls-verify=false",
                        "--dest-creds", "ci-bot:" + secret, layout.reference("v1"),
                        "docker://" + registry.hostPort() + "/ci/app:1")
                .env("REGISTRY_AUTH_FILE", auth.toString()).env("TMPDIR", tmp.toString()).runAllowingFailure();

        // then
        assertThat(pushed.succeeded()).as(pushed.describe()).isTrue();
        assertThat(v2Status("ci/app", "1")).isEqualTo(200);

        // then: the robot is listed, with its expiry, but its secret appears nowhere else
        browser.get("/access/robots");
        assertThat(browser.text(By.cssSelector("table.data"))).contains("ci-bot").contains("builders");
        assertThat(browser.driver().getPageSource()).doesNotContain(secret);
        browser.checkPage("11-robots");

        // when: the robot account and then the rule deleted again, with the keyboard alone, each confirmed
        browser.enterAndConfirmToLoad(By.cssSelector("button[aria-label='Delete robot account ci-bot']"),
                "the delete button of robot account ci-bot");
        assertThat(browser.text(By.cssSelector(".alert.ok"))).isEqualTo("Robot account ci-bot deleted.");
        assertThat(browser.all(By.cssSelector("table.data"))).allSatisfy(table -> assertThat(table.getText()).doesNotContain("ci-bot"));
        browser.get("/access/rules");
        browser.enterAndConfirmToLoad(By.cssSelector("button[aria-label='Delete the rule for ci/**']"),
                "the delete button of the rule for ci/**");
        assertThat(browser.text(By.cssSelector(".alert.ok"))).isEqualTo("Rule deleted.");
        assertThat(browser.all(By.cssSelector("table.data"))).allSatisfy(table -> assertThat(table.getText()).doesNotContain("ci/**"));
    }

    @Test
    @Order(6)
    void managesUsersAndGroupsAndFiltersTheAuditLogNewestFirst() {
        // when: a user and a group made in the console
        browser.get("/access/users");
        browser.find(By.id("u-name")).sendKeys("bob");
        browser.find(By.id("u-pass")).sendKeys("bob-password-1");
        browser.find(By.id("u-groups")).sendKeys("builders, readers");
        browser.clickToLoad(By.cssSelector("form[action='/access/users'] button[type=submit]"));
        assertThat(browser.text(By.cssSelector(".alert.ok"))).contains("User bob created");
        assertThat(browser.text(By.cssSelector("table.data"))).contains("bob").contains("readers");
        browser.checkPage("12-users");
        browser.get("/access/groups");
        browser.find(By.id("g-name")).sendKeys("readers");
        browser.find(By.id("g-desc")).sendKeys("May pull everything");
        browser.clickToLoad(By.cssSelector("form[action='/access/groups'] button[type=submit]"));
        assertThat(browser.text(By.cssSelector("table.data"))).contains("May pull everything").contains("bob");
        browser.checkPage("13-groups");

        // when: the audit log, filtered to deletes in team/app
        browser.get("/access/audit");
        List<String> all = auditActions();
        assertThat(all).contains("create-user", "create-robot", "delete", "login");
        assertThat(all.getFirst()).as("newest first").isEqualTo("save-group");
        browser.find(By.id("f-repo")).sendKeys("team/app");
        new org.openqa.selenium.support.ui.Select(browser.find(By.id("f-action"))).selectByValue("delete");
        browser.clickToLoad(By.cssSelector("form.filters button[type=submit]"));

        // then
        browser.waitUntil(d -> browser.path().contains("action=delete"));
        assertThat(auditActions()).containsExactly("delete");
        assertThat(browser.text(By.cssSelector("table.data tbody"))).contains("team/app:latest").contains("admin");
        browser.checkPage("14-audit");

        // when: the user and then the group deleted again, with the keyboard alone, each confirmed
        browser.get("/access/users");
        browser.enterAndConfirmToLoad(By.cssSelector("button[aria-label='Delete user bob']"), "the delete button of user bob");
        assertThat(browser.text(By.cssSelector(".alert.ok"))).isEqualTo("User bob deleted.");
        assertThat(browser.text(By.cssSelector("table.data"))).doesNotContain("bob");
        browser.get("/access/groups");
        browser.enterAndConfirmToLoad(By.cssSelector("button[aria-label='Delete group readers']"),
                "the delete button of group readers");
        assertThat(browser.text(By.cssSelector(".alert.ok"))).isEqualTo("Group readers deleted.");
        assertThat(browser.all(By.cssSelector("table.data"))).allSatisfy(table -> assertThat(table.getText()).doesNotContain("readers"));
    }

    @Test
    @Order(7)
    void showsTheRegistryStatus() {
        browser.get("/status");
        String cards = browser.text(By.cssSelector(".cards"));
        assertThat(cards).contains("filesystem").contains("token");
        browser.checkPage("15-status");
    }

    @Test
    @Order(8)
    void aNonAdministratorSeesAndActsOnlyWhereTheyMay() {
        // given
        browser.signOut();
        assertThat(browser.path()).startsWith("/login?signedOut");

        // when
        browser.signIn(ALICE, ALICE_PASSWORD);

        // then: only her own repository, and no administration
        assertThat(repositoryNames()).containsExactly("alice/tool");
        assertThat(browser.all(By.linkText("Access"))).isEmpty();
        assertThat(browser.all(By.linkText("Maintenance"))).isEmpty();
        browser.checkPage("16-repositories-as-alice");

        // then: another's repository answers as if it did not exist, and access pages are refused
        browser.get("/repository?name=other/secret");
        assertThat(browser.heading()).isEqualTo("Not found");
        browser.checkPage("17-not-found");
        browser.get("/access/users");
        assertThat(browser.heading()).isEqualTo("Not allowed");
        browser.checkPage("18-not-allowed");
        browser.get("/maintenance");
        assertThat(browser.heading()).isEqualTo("Not allowed");
        browser.assertNoConsoleErrors();

        // and: a delete she may not make is refused even when posted directly
        browser.get("/tags/delete?repository=team/app&tag=1.0");
        assertThat(browser.heading()).isEqualTo("Not allowed");
        browser.assertNoConsoleErrors();
        assertThat(v2Status("team/app", "1.0")).isEqualTo(200);

        browser.signOut();
        browser.signIn(TokenAuthRegistry.ADMIN, TokenAuthRegistry.ADMIN_PASSWORD);
    }

    @Test
    @Order(9)
    void runsADryRunThenARealCollectionWithTheKeyboardAndWatchesEachFinish() {
        // given: the maintenance page, before any collection (the manifest deleted in team/old left its blobs)
        browser.get("/repositories");
        browser.tabTo(e -> "Maintenance".equals(e.getText()), "the Maintenance link");
        browser.press(Keys.ENTER);
        browser.waitUntil(d -> browser.path().equals("/maintenance"));
        assertThat(browser.text(By.cssSelector("section[aria-labelledby=status-h]"))).contains("filesystem").contains("token");
        assertThat(browser.text(By.id("usage"))).contains("Not measured yet — run a collection");
        assertThat(browser.text(By.id("history"))).contains("No collection has run yet");
        browser.checkPage("20-maintenance");

        // when: the dry run, started from the keyboard
        recordRunStates();
        browser.tabTo(e -> "Start dry run".equals(e.getText()), "the dry run button");
        browser.press(Keys.ENTER);

        // then: its progress first, then its report, in place
        browser.waitUntil(d -> "succeeded".equals(runState()));
        assertThat(recordedRunStates()).as("the panel's states, in order").containsSubsequence("form", "running", "succeeded")
                .doesNotContain("failed");
        String dryReport = browser.text(By.id("run-panel"));
        assertThat(dryReport).contains("Dry run finished").contains("A collection now would free").contains("Nothing was deleted");
        long wouldDelete = reportFigure("Blobs it would delete");
        assertThat(wouldDelete).as("team/old's config and layer, unreferenced since its manifest went").isGreaterThanOrEqualTo(2);
        assertThat(browser.text(By.cssSelector("#history tbody tr"))).contains("Dry run").containsIgnoringCase("succeeded").contains("would");
        assertThat(browser.text(By.id("usage"))).contains("each stored once").contains("team/app");
        browser.checkPage("21-dry-run-report");

        // when: on to the real run, which asks first
        browser.tabTo(e -> "Collect garbage…".equals(e.getText()), "the button to collect for real");
        browser.press(Keys.ENTER);

        // then: a confirmation with what the dry run found; the focus moves to it
        browser.waitUntil(d -> "confirm".equals(runState()));
        // htmx moves the focus once the swapped panel settles, a moment after it is in the page
        browser.waitUntil(d -> "Collect garbage for real?".equals(d.switchTo().activeElement().getText()));
        assertThat(browser.text(By.id("run-panel"))).contains("The last dry run").contains(wouldDelete + " blobs");
        browser.checkPage("22-confirm-collection");

        // when
        recordRunStates();
        browser.tabTo(e -> "Collect garbage now".equals(e.getText()), "the confirming button");
        browser.press(Keys.ENTER);

        // then: progress, then the report of what it deleted; the blobs are gone from the API, live ones stay
        browser.waitUntil(d -> "succeeded".equals(runState()));
        assertThat(recordedRunStates()).containsSubsequence("confirm", "running", "succeeded").doesNotContain("failed");
        assertThat(browser.text(By.cssSelector("#run-panel h2"))).isEqualTo("Collection finished");
        assertThat(browser.text(By.id("run-panel"))).contains("Freed");
        assertThat(reportFigure("Blobs deleted")).as("what the dry run found, which it left in place").isEqualTo(wouldDelete);
        assertThat(v2BlobStatus("team/old", oldImage.layers().getFirst().digest())).isEqualTo(404);
        assertThat(v2BlobStatus("team/app", app.layers().getFirst().digest())).isEqualTo(200);
        List<String> kinds = browser.all(By.cssSelector("#history tbody tr td:nth-child(2)")).stream().map(WebElement::getText).toList();
        assertThat(kinds).containsExactly("Collection", "Dry run");
        browser.checkPage("23-collection-report");
    }

    @Test
    @Order(10)
    void showsSizesFromTheLastCollection() {
        // when
        browser.get("/maintenance");

        // then: usage per repository, largest first, with what only it references
        List<String> usageNames = browser.all(By.cssSelector("#usage tbody tr td:first-child")).stream().map(WebElement::getText).toList();
        assertThat(usageNames).contains("team/app", "team/multi", "alice/tool", "ci/app");
        String appRow = browser.find(By.xpath("//section[@id='usage']//tr[td/a[text()='team/app']]")).getText();
        assertThat(appRow).matches("team/app \\d+(\\.\\d)? KiB \\d+(\\.\\d)? KiB \\d+");

        // then: the repository list and the repository page show them too
        browser.get("/repositories");
        assertThat(rowOf("team/app").getText()).matches("team/app 1 \\d+(\\.\\d)? KiB (just now|\\d+ minutes? ago)");
        assertThat(browser.text(By.id("results"))).contains("Sizes as the garbage collection of");
        browser.checkPage("24-repositories-with-sizes");
        browser.get("/repository?name=team/app");
        assertThat(browser.text(By.cssSelector(".head-facts"))).matches("(?s)Size \\d+(\\.\\d)? KiB, \\d+(\\.\\d)? KiB only here.*");
    }

    @Test
    @Order(11)
    void aCollectionRunningOnAnotherReplicaShowsAsSuchAndRefusesASecond() throws IOException {
        // given: the form is on screen; then another replica takes the lease and records its run in storage
        browser.get("/maintenance");
        ObjectStore store = registry.bean(ObjectStore.class);
        JsonMapper json = registry.bean(JsonMapper.class);
        Instant now = Instant.now();
        String id = String.format("%015d-%s", now.toEpochMilli(), "0a0b0c0d");
        store.writeSmall(StorageLayout.GC_LEASE, ("{\"runId\":\"" + id + "\",\"owner\":\"replica-b/4242\",\"expiresAtEpochMilli\":"
                + now.plusSeconds(60).toEpochMilli() + ",\"token\":\"t\"}").getBytes(StandardCharsets.UTF_8));
        Map<String, Object> progress = Map.of("phase", "marking", "repositoriesMarked", 1234, "manifestsMarked", 5678,
                "blobsScanned", 0, "blobsDeleted", 0);
        store.writeSmall(StorageLayout.gcRun(id), json.writeValueAsBytes(new CollectionRun(id, CollectionRun.State.running,
                false, false, "replica-b/4242", "ops", now, null, progress, null, null, now)));

        // when: the administrator starts a dry run here
        browser.find(By.cssSelector("button[value=dry-run]")).click();

        // then: not an error page, but the other run, with what to do
        browser.waitUntil(d -> "running".equals(runState()));
        String panel = browser.text(By.id("run-panel"));
        assertThat(panel).contains("Collection in progress").contains("A collection is already running").contains("replica-b/4242")
                .contains("1,234").contains("5,678").contains("Start yours when it has finished");
        assertThat(browser.text(By.cssSelector(".phases li.current"))).isEqualTo("Marking");
        browser.checkPage("25-run-on-another-replica");

        // when: the other replica finishes
        store.writeSmall(StorageLayout.gcRun(id), json.writeValueAsBytes(new CollectionRun(id, CollectionRun.State.failed,
                false, false, "replica-b/4242", "ops", now, Instant.now(), progress, null, "stopped by its operator", Instant.now())));
        store.delete(StorageLayout.GC_LEASE);

        // then: the panel follows it to its end
        browser.waitUntil(d -> "failed".equals(runState()));
        assertThat(browser.text(By.id("run-panel"))).contains("Collection failed").contains("stopped by its operator");
        browser.assertNoConsoleErrors();
    }

    @Test
    @Order(12)
    void deletesARepositoryAfterAConfirmationAndTheCatalogNoLongerListsIt() {
        // given
        browser.get("/repository?name=team/multi");

        // when: the repository's delete link, reached and pressed with the keyboard alone
        browser.enterToLoad(By.linkText("Delete repository…"), "the repository's delete link");

        // then: the confirmation names it and says when the space comes back
        assertThat(browser.heading()).isEqualTo("Delete repository team/multi?");
        assertThat(browser.text(By.cssSelector(".danger-zone p"))).contains("The space is not freed now")
                .contains("the next garbage collection frees").containsPattern("\\(\\d+(\\.\\d)? KiB at the last measurement\\)");
        browser.checkPage("26-confirm-repository-delete");
        browser.enterToLoad(By.cssSelector(".danger-zone button[type=submit]"), "the button confirming the delete");

        // then: gone from the console and from the registry's catalog
        assertThat(browser.text(By.cssSelector(".alert.ok"))).isEqualTo("Repository team/multi deleted.");
        assertThat(repositoryNames()).doesNotContain("team/multi").contains("team/app");
        String token = http.token(TokenAuthRegistry.ADMIN, TokenAuthRegistry.ADMIN_PASSWORD, "registry:catalog:*");
        String catalog = http.get("/v2/_catalog", TokenHttp.bearer(token)).text();
        assertThat(catalog).contains("team/app").doesNotContain("team/multi");
        assertThat(v2Status("team/multi", "2.1")).isEqualTo(404);
    }

    @Test
    @Order(13)
    void addsAQuotaSeesItsUsageEditsAndRemovesItWithTheAdminApisMessages() {
        // given: the Policies page, its Quotas tab reached with the keyboard
        browser.get("/policies");
        browser.tabTo(e -> "Quotas".equals(e.getText()), "the Quotas tab");
        browser.press(Keys.ENTER);
        browser.waitUntil(d -> browser.path().equals("/policies/quotas"));
        assertThat(browser.text(By.id("main"))).contains("No quotas");

        // when: a limit that is not a size
        fillQuotaForm("team", "team/**", "lots");
        browser.clickToLoad(By.cssSelector("form[action='/policies/quotas'] button[type=submit]"));

        // then: refused, with the admin API's own message beside the field, and what was typed kept
        assertThat(browser.find(By.id("quota-limit")).getDomAttribute("aria-invalid")).isEqualTo("true");
        String limitError = browser.text(By.id("quota-limit-error"));
        assertThat(limitError).startsWith("limit is a size such as 500MB")
                .isEqualTo(apiProblem("PUT", "/api/quotas/team", Map.of("repositories", "team/**", "limit", "lots")));
        assertThat(browser.find(By.id("quota-repos")).getDomProperty("value")).isEqualTo("team/**");
        browser.checkPage("27-quota-form-error");

        // when: a glob the API refuses as well
        fillQuotaForm("team", "Team/**", "1MB");
        browser.clickToLoad(By.cssSelector("form[action='/policies/quotas'] button[type=submit]"));
        assertThat(browser.text(By.id("quota-repos-error")))
                .isEqualTo(apiProblem("PUT", "/api/quotas/team", Map.of("repositories", "Team/**", "limit", "1MB")));
        assertThat(browser.text(By.cssSelector("section[aria-labelledby=quota-form-h] [role=alert]")))
                .isEqualTo("The quota was not saved: see the field marked below");
        browser.assertNoConsoleErrors(); // a refusal redirects back to the page: nothing in the console at all

        // when: a valid quota of 1 MiB over team/**
        fillQuotaForm("team", "team/**", "1MB");
        browser.clickToLoad(By.cssSelector("form[action='/policies/quotas'] button[type=submit]"));

        // then: listed with the usage the admin API reports (each distinct blob once) and the share of the limit used
        assertThat(browser.text(By.cssSelector(".alert.ok"))).startsWith("Quota team saved");
        var api = http.admin("GET", "/api/quotas/team", null).json();
        long used = api.path("usedBytes").asLong();
        assertThat(used).as("team/app's image, its referrers and team/old's remaining image").isPositive();
        WebElement row = browser.find(By.cssSelector("tr[data-quota=team]"));
        assertThat(row.findElement(By.cssSelector("td:nth-child(3)")).getDomAttribute("title"))
                .isEqualTo(used + " bytes in " + api.path("blobs").asLong() + " blobs");
        assertThat(row.findElement(By.cssSelector("td:nth-child(4)")).getText()).isEqualTo("1.0 MiB");
        assertThat(row.findElement(By.cssSelector("td.quota-use")).getText()).isEqualTo(Math.round(used * 100.0 / (1 << 20)) + " %");
        browser.checkPage("28-quotas");

        // when: edited to 2 MiB (the name stays)
        browser.clickToLoad(By.cssSelector("a[aria-label='Edit quota team']"));
        assertThat(browser.find(By.id("quota-name")).getDomAttribute("readonly")).isNotNull();
        assertThat(browser.find(By.id("quota-limit")).getDomProperty("value")).isEqualTo("1MB");
        WebElement limit = browser.find(By.id("quota-limit"));
        limit.clear();
        limit.sendKeys("2MB");
        browser.clickToLoad(By.cssSelector("form[action='/policies/quotas'] button[type=submit]"));
        assertThat(http.admin("GET", "/api/quotas/team", null).json().path("limitBytes").asLong()).isEqualTo(2L << 20);

        // when: removed, after a confirmation that names it
        browser.enterToLoad(By.cssSelector("a[aria-label='Remove quota team']"), "the remove link of quota team");
        assertThat(browser.heading()).isEqualTo("Remove quota team?");
        browser.checkPage("29-confirm-quota-remove");
        browser.enterToLoad(By.cssSelector(".danger-zone button[type=submit]"), "the button confirming the removal");

        // then: gone here and from the admin API
        assertThat(browser.text(By.cssSelector(".alert.ok"))).isEqualTo("Quota team removed.");
        assertThat(browser.all(By.cssSelector("tr[data-quota]"))).isEmpty();
        assertThat(http.admin("GET", "/api/quotas/team", null).status()).isEqualTo(404);
    }

    @Test
    @Order(14)
    void showsEachWebhookEndpointsDeliveryStatusAfterAPushWithoutItsSecret() {
        // given: a push under hooked/**, which both endpoints want
        http.pushImageAsAdmin("hooked/app", "v1");
        // its push and its tag (the endpoint also had the collections of the maintenance tests)
        receiver.awaitAccepted("/hook", r -> r.stream().filter(request -> new String(request.body(), StandardCharsets.UTF_8)
                .contains("\"repository\":\"hooked/app\"")).count() >= 2);
        receiver.awaitRequests("/down", r -> !r.isEmpty()); // refused: the push waits in its queue

        // when: the Notifications tab, read again until the delivering replica has written both statuses
        browser.get("/policies/notifications");
        browser.waitUntil(d -> {
            browser.get("/policies/notifications");
            return browser.text(By.cssSelector("[data-endpoint=ci] .status-last-success")).startsWith("20")
                    && browser.text(By.cssSelector("[data-endpoint=ci] .status-queued")).equals("0")
                    && browser.text(By.cssSelector("[data-endpoint=down] .status-last-failure")).endsWith("HTTP 503");
        });

        // then: each endpoint as configured, its status as /api/notifications has it, and no secret anywhere
        String ci = browser.text(By.cssSelector("[data-endpoint=ci]"));
        assertThat(ci).contains("http://127.0.0.1:" + receiver.url("/hook").getPort() + "/…").doesNotContain("/hook")
                .contains("hooked/**").contains("distribution, signed (HMAC-SHA256)")
                .contains("push").contains("tag").contains("delete");
        String down = browser.text(By.cssSelector("[data-endpoint=down]"));
        assertThat(down).containsIgnoringCase("failing").contains("cloudevents, unsigned");
        assertThat(Integer.parseInt(browser.text(By.cssSelector("[data-endpoint=down] .status-queued")))).isGreaterThanOrEqualTo(1);
        assertThat(browser.text(By.cssSelector("[data-endpoint=down] .status-next-attempt"))).isNotEqualTo("not waiting");
        assertThat(http.admin("GET", "/api/notifications", null).text()).contains("\"lastFailureReason\":\"HTTP 503\"");
        assertThat(browser.driver().getPageSource()).doesNotContain(HOOK_SECRET);
        assertThat(browser.text(By.id("main"))).contains("registry.notifications.endpoints");
        browser.checkPage("30-notifications");

        // the endpoint that is down stops retrying for the rest of the class
        receiver.answer("/down", 200);
    }

    /** What the admin API answers a request it refuses: its problem document's {@code detail}. */
    private String apiProblem(String method, String path, Object body) {
        TokenHttp.Response response = http.admin(method, path, body);
        assertThat(response.status()).as("%s %s: %s", method, path, response).isEqualTo(400);
        return response.json().path("detail").asString();
    }

    private void fillQuotaForm(String name, String repositories, String limit) {
        for (Map.Entry<String, String> field : Map.of("quota-name", name, "quota-repos", repositories, "quota-limit", limit).entrySet()) {
            WebElement input = browser.find(By.id(field.getKey()));
            input.clear();
            input.sendKeys(field.getValue());
        }
    }

    @Test
    @Order(50)
    void savesARetentionPolicyRunsItAfterADryRunAndProtectsTagsWithAnImmutableRule() {
        // given: a CI repository of three builds, pushed one after the other
        for (int build = 1; build <= 3; build++) {
            push("ret/app", TestImages.image().seed(50 + build).build(), "build-" + build);
        }
        browser.get("/policies");

        // when: a policy keeping the newest tag, typed into the page's form
        browser.find(By.cssSelector("details:has(form[action='/policies/retention']) > summary")).click();
        browser.find(By.id("ret-name")).sendKeys("ci-trim");
        browser.find(By.id("ret-repos")).sendKeys("ret/**");
        browser.find(By.id("ret-last")).sendKeys("1");
        browser.clickToLoad(By.cssSelector("form[action='/policies/retention'] button[type=submit]"));

        // then: listed, as made here rather than in configuration
        assertThat(browser.text(By.cssSelector(".alert.ok"))).isEqualTo("Retention policy ci-trim created.");
        assertThat(browser.text(By.cssSelector("section[aria-labelledby=retention-h] table.data"))).contains("ci-trim")
                .contains("ret/**").contains("newest 1").contains("API");

        // when: a dry run
        browser.clickToLoad(By.cssSelector("form[action='/policies/dry-run'] button"));

        // then: the two older builds would go, and nothing changed yet
        assertThat(browser.text(By.cssSelector("section[aria-labelledby=dry-h]"))).contains("ret/app")
                .contains("build-1").contains("build-2").doesNotContain("build-3");
        assertThat(v2Status("ret/app", "build-1")).isEqualTo(200);
        browser.checkPage("27-retention-dry-run");

        // when: the real run, confirmed
        browser.find(By.cssSelector("form[action='/policies/retention/run'] button")).click();
        browser.driver().switchTo().alert().accept();
        browser.waitUntil(d -> browser.all(By.cssSelector(".alert.ok")).stream().anyMatch(e -> e.getText().startsWith("Retention ran")));

        // then: the registry no longer serves them
        assertThat(browser.text(By.cssSelector(".alert.ok"))).contains("2 tags and 2 manifests deleted");
        assertThat(v2Status("ret/app", "build-1")).isEqualTo(404);
        assertThat(v2Status("ret/app", "build-2")).isEqualTo(404);
        assertThat(v2Status("ret/app", "build-3")).isEqualTo(200);

        // when: a bad value in the form
        browser.get("/policies");
        browser.find(By.cssSelector("details:has(form[action='/policies/retention']) > summary")).click();
        browser.find(By.id("ret-name")).sendKeys("broken");
        browser.find(By.id("ret-repos")).sendKeys("ret/**");
        browser.find(By.id("ret-pushed")).sendKeys("a while");
        browser.clickToLoad(By.cssSelector("form[action='/policies/retention'] button[type=submit]"));

        // then: back on the page with the form open, what was typed still in it, and a message saying what to type
        assertThat(browser.driver().getCurrentUrl()).contains("/policies");
        assertThat(browser.text(By.cssSelector("#retention-form [role=alert]")))
                .isEqualTo("The policy was not saved: see the field marked below");
        assertThat(browser.find(By.id("ret-pushed")).getDomAttribute("aria-invalid")).isEqualTo("true");
        assertThat(browser.text(By.id("ret-pushed-error")))
                .isEqualTo("pushed within is a duration such as 30d, 12h or 30m; got \"a while\"");
        assertThat(browser.find(By.id("ret-name")).getDomProperty("value")).isEqualTo("broken");
        assertThat(browser.find(By.id("ret-pushed")).getDomProperty("value")).isEqualTo("a while");
        assertThat(browser.text(By.cssSelector("section[aria-labelledby=retention-h] table.data"))).doesNotContain("broken");
        browser.checkPage("29-policy-form-error");

        // when: an immutable-tag rule over the remaining build
        browser.get("/policies");
        browser.find(By.cssSelector("details:has(form[action='/policies/immutable-tags']) > summary")).click();
        browser.find(By.id("imm-name")).sendKeys("console-builds");
        browser.find(By.id("imm-repos")).sendKeys("ret/**");
        browser.find(By.id("imm-tags")).sendKeys("build-.*");
        browser.clickToLoad(By.cssSelector("form[action='/policies/immutable-tags'] button[type=submit]"));

        // then: the registry refuses to delete the tag
        assertThat(browser.text(By.cssSelector(".alert.ok"))).isEqualTo("Immutable-tag rule console-builds created.");
        String token = http.token(TokenAuthRegistry.ADMIN, TokenAuthRegistry.ADMIN_PASSWORD, "repository:ret/app:delete");
        assertThat(http.send("DELETE", "/v2/ret/app/manifests/build-3", null, "Authorization", "Bearer " + token).status())
                .isEqualTo(409);
        browser.checkPage("28-policies");

        // when: both deleted again, with the keyboard alone, each confirmed
        for (String name : List.of("immutable-tag rule console-builds", "retention policy ci-trim")) {
            browser.enterAndConfirmToLoad(By.cssSelector("button[aria-label='Delete the " + name + "']"), "the delete button of the " + name);
            String notice = Character.toUpperCase(name.charAt(0)) + name.substring(1) + " deleted.";
            assertThat(browser.text(By.cssSelector(".alert.ok"))).isEqualTo(notice);
        }

        // then
        assertThat(browser.text(By.id("main"))).contains("No retention policies").contains("No immutable-tag rules");
        assertThat(http.send("DELETE", "/v2/ret/app/manifests/build-3", null, "Authorization", "Bearer " + token).status())
                .isEqualTo(202);
        // the collection the real run started (registry.retention.collect-after-run) ends before the next test
        browser.waitUntil(d -> !http.admin("GET", "/api/gc", null)
                .text().contains("\"state\":\"running\""));
    }

    /** Server time of each page on 10,000 repositories and a repository of 5,000 tags, from Server-Timing. */
    @Test
    @Order(100)
    void pagesStayFastOnTenThousandRepositoriesAndFiveThousandTags() throws Exception {
        // given: 10,000 repositories and 5,000 tags on one manifest, written straight into storage (pushing them
        // one by one through /v2 would take minutes and prove nothing more about the console)
        ObjectStore store = registry.bean(ObjectStore.class);
        for (int i = 0; i < 10_000; i++) {
            store.writeSmall(StorageLayout.catalogEntry(RepositoryName.parse(String.format("bench/repo-%05d", i))), new byte[0]);
        }
        http.pushImageAsAdmin("bench/big", "t-00000");
        byte[] digest = http.get("/v2/bench/big/manifests/t-00000",
                TokenHttp.bearer(http.token(TokenAuthRegistry.ADMIN, TokenAuthRegistry.ADMIN_PASSWORD, "repository:bench/big:pull")))
                .header("Docker-Content-Digest").getBytes(StandardCharsets.US_ASCII);
        for (int i = 1; i < 5_000; i++) {
            store.writeSmall(StorageLayout.tag(RepositoryName.parse("bench/big"), Tag.parse(String.format("t-%05d", i))), digest);
        }
        String manifestDigest = new String(digest, StandardCharsets.US_ASCII);
        // a dry run measures all 10,000: the sizes on the pages and the usage table come from its figures
        long gcStart = System.nanoTime();
        CollectionRun measured = registry.bean(CollectionRuns.class).runToEnd(true, false, "bench");
        long gcMillis = (System.nanoTime() - gcStart) / 1_000_000;
        assertThat(measured.state()).isEqualTo(CollectionRun.State.succeeded);
        assertThat(registry.bean(CollectionRuns.class).usage().orElseThrow().repositories()).hasSizeGreaterThan(10_000);

        // when: each page, twice (the first visit warms the JVM)
        Map<String, String> pages = new java.util.LinkedHashMap<>();
        pages.put("repositories", "/repositories");
        pages.put("repositories, page 2", "/repositories?after=bench/repo-00024");
        pages.put("search, one match", "/repositories?q=repo-09999");
        pages.put("search, no match", "/repositories?q=nothing-matches-this");
        pages.put("repository of 5,000 tags", "/repository?name=bench/big");
        pages.put("its last page of tags", "/repository?name=bench/big&after=t-04990");
        pages.put("manifest", "/manifest?repository=bench/big&digest=" + manifestDigest);
        pages.put("audit log", "/access/audit");
        pages.put("status", "/status");
        pages.put("maintenance", "/maintenance");
        pages.put("maintenance, usage page 200", "/maintenance?usageFrom=5000");
        pages.put("confirm repository delete", "/repositories/delete?name=bench/big");
        pages.put("policies: quotas", "/policies/quotas");
        pages.put("policies: notifications", "/policies/notifications");
        List<String> report = new ArrayList<>();
        report.add(String.format("%-28s %8d ms  (dry run over 10,000 repositories and 5,000 tags, not a page)", "garbage collection", gcMillis));
        // The machine is shared, so one visit can land on a busy moment: the median of five says what the page
        // costs, the slowest what a user may meet.
        report.add(String.format("%-28s %8s %8s  (server time of five visits after a warm-up)", "page", "median", "slowest"));
        for (Map.Entry<String, String> page : pages.entrySet()) {
            browser.get(page.getValue());
            List<Double> visits = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                browser.get(page.getValue());
                Object millis = browser.script("var t = performance.getEntriesByType('navigation')[0].serverTiming"
                        + ".filter(function (e) { return e.name === 'app'; }); return t.length ? t[0].duration : null;");
                // then: every page reports its server time (the figures go to the report, not into an assertion)
                assertThat(millis).as("Server-Timing of %s", page.getValue()).isNotNull();
                visits.add(((Number) millis).doubleValue());
            }
            visits.sort(null);
            report.add(String.format("%-28s %5.1f ms %5.1f ms  %s", page.getKey(), visits.get(2), visits.get(4), page.getValue()));
        }
        // the parts of a page that grow with the registry, timed in the server's JVM (median of five)
        CollectionRuns runs = registry.bean(CollectionRuns.class);
        io.cangku.registry.TagService tagService = registry.bean(io.cangku.registry.TagService.class);
        report.add(String.format("%-28s %5.1f ms  (the usage figures of %,d repositories, read and parsed)", "  usage figures",
                medianMillis(() -> runs.usage()), runs.usage().orElseThrow().repositories().size()));
        report.add(String.format("%-28s %5.1f ms  (tag count and last push of bench/big, one listing of 5,000 tags)",
                "  tag summary", medianMillis(() -> tagService.summarize(RepositoryName.parse("bench/big")))));
        report.add(String.format("%-28s %5.1f ms  (the 20 newest run records)", "  run history", medianMillis(() -> runs.recent(20))));
        browser.get("/repositories");
        assertThat(repositoryNames()).hasSize(25).startsWith("alice/tool");
        assertThat(rowOf("bench/repo-00000").getText()).contains("0 B");
        browser.get("/repository?name=bench/big");
        assertThat(tagNames()).hasSize(25);
        browser.screenshot("19-repository-5000-tags");
        Files.write(ConsoleBrowser.SCREENSHOTS.resolve("server-timing.txt"), report);
        report.forEach(System.out::println);
    }

    // ---- helpers

    interface Timed {
        Object run() throws Exception;
    }

    private static double medianMillis(Timed work) throws Exception {
        work.run(); // warm-up
        double[] millis = new double[5];
        for (int i = 0; i < millis.length; i++) {
            long start = System.nanoTime();
            work.run();
            millis[i] = (System.nanoTime() - start) / 1_000_000.0;
        }
        java.util.Arrays.sort(millis);
        return millis[2];
    }

    /** Records every state the collection panel goes through (htmx swaps it), to check its order afterwards. */
    private void recordRunStates() {
        browser.script("window.runStates = [];"
                + "var note = function () { var p = document.getElementById('run-panel');"
                + "  var s = p && p.getAttribute('data-run-state');"
                + "  if (s && window.runStates[window.runStates.length - 1] !== s) { window.runStates.push(s); } };"
                + "if (window.runObserver) { window.runObserver.disconnect(); }"
                + "window.runObserver = new MutationObserver(note);"
                + "window.runObserver.observe(document.body, {subtree: true, childList: true, attributes: true});");
    }

    @SuppressWarnings("unchecked")
    private List<String> recordedRunStates() {
        return (List<String>) browser.script("return window.runStates;");
    }

    private String runState() {
        // read in the page, not through an element reference: htmx replaces the panel under the test's feet
        return (String) browser.script("var p = document.getElementById('run-panel'); return p && p.getAttribute('data-run-state');");
    }

    private long reportFigure(String label) {
        String value = browser.text(By.xpath("//section[@id='run-panel']//dl/div[dt[text()='" + label + "']]/dd"));
        return Long.parseLong(value.replace(",", ""));
    }

    private int v2BlobStatus(String repository, String digest) {
        String token = http.token(TokenAuthRegistry.ADMIN, TokenAuthRegistry.ADMIN_PASSWORD, "repository:" + repository + ":pull");
        return http.send("HEAD", "/v2/" + repository + "/blobs/" + digest, null, "Authorization", "Bearer " + token).status();
    }

    private List<String> repositoryNames() {
        return browser.all(By.cssSelector("#results a.repo-link")).stream().map(WebElement::getText).toList();
    }

    private WebElement rowOf(String repository) {
        return browser.find(By.xpath("//tr[td/a[text()='" + repository + "']]"));
    }

    private List<String> tagNames() {
        return browser.all(By.cssSelector("table.data tbody tr td:first-child a")).stream().map(WebElement::getText).toList();
    }

    private List<String> auditActions() {
        return browser.all(By.cssSelector("table.data tbody tr td:nth-child(3)")).stream().map(WebElement::getText).toList();
    }

    private int v2Status(String repository, String reference) {
        String token = http.token(TokenAuthRegistry.ADMIN, TokenAuthRegistry.ADMIN_PASSWORD, "repository:" + repository + ":pull");
        return http.send("HEAD", "/v2/" + repository + "/manifests/" + reference, null,
                "Authorization", "Bearer " + token, "Accept", TestImages.OCI_MANIFEST + "," + TestImages.OCI_INDEX).status();
    }

    private String adminToken(String repository) {
        return http.token(TokenAuthRegistry.ADMIN, TokenAuthRegistry.ADMIN_PASSWORD, "repository:" + repository + ":pull,push");
    }

    private void push(String repository, TestImage image, String tag) {
        String token = adminToken(repository);
        for (TestBlob blob : List.of(image.config())) {
            pushBlob(repository, blob, token);
        }
        image.layers().forEach(layer -> pushBlob(repository, layer, token));
        putManifest(repository, tag == null ? image.manifest().digest() : tag, image.manifest());
    }

    private void tag(String repository, TestImage image, String tag) {
        putManifest(repository, tag, image.manifest());
    }

    private void pushBlob(String repository, TestBlob blob, String token) {
        TokenHttp.Response response = http.pushBlob(repository, blob.content(), token);
        assertThat(response.status()).as("blob upload %s", response).isEqualTo(201);
    }

    private void putManifest(String repository, String reference, TestBlob manifest) {
        TokenHttp.Response response = http.send("PUT", "/v2/" + repository + "/manifests/" + reference, manifest.content(),
                "Authorization", "Bearer " + adminToken(repository), "Content-Type", manifest.mediaType());
        assertThat(response.status()).as("manifest push %s", response).isEqualTo(201);
    }

    /** An OCI artifact (image-spec 1.1: artifactType, empty config, one layer) whose subject is {@code subject}. */
    private void pushReferrer(String repository, TestBlob subject, String artifactType, String content) {
        String token = adminToken(repository);
        TestBlob empty = TestBlob.of("application/vnd.oci.empty.v1+json", "{}".getBytes(StandardCharsets.UTF_8));
        TestBlob layer = TestBlob.of(artifactType, content.getBytes(StandardCharsets.UTF_8));
        pushBlob(repository, empty, token);
        pushBlob(repository, layer, token);
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + TestImages.OCI_MANIFEST + "\",\"artifactType\":\"" + artifactType
                + "\",\"config\":{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":\"" + empty.digest() + "\",\"size\":2},"
                + "\"layers\":[{\"mediaType\":\"" + artifactType + "\",\"digest\":\"" + layer.digest() + "\",\"size\":" + layer.size() + "}],"
                + "\"subject\":{\"mediaType\":\"" + subject.mediaType() + "\",\"digest\":\"" + subject.digest() + "\",\"size\":" + subject.size() + "},"
                + "\"annotations\":{\"org.opencontainers.image.created\":\"2024-02-03T04:05:06Z\"}}";
        TestBlob referrer = TestBlob.of(TestImages.OCI_MANIFEST, manifest.getBytes(StandardCharsets.UTF_8));
        putManifest(repository, referrer.digest(), referrer);
    }

}
