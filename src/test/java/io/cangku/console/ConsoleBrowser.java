package io.cangku.console;

import io.cangku.testing.RequiredToolExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.webjars.WebJarVersionLocator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.logging.Level;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Debian's headless Chromium driven through its chromedriver (both found on the PATH, nothing downloaded),
 * with what every console test checks on a page: an axe-core accessibility scan, the browser console free of
 * errors, and a screenshot saved under {@code target/console-screenshots/} for a person to look at.
 */
final class ConsoleBrowser implements AutoCloseable {

    static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String AXE = loadAxe();

    private final ChromeDriver driver;
    private final URI base;
    private final Path profile;

    private ConsoleBrowser(ChromeDriver driver, URI base, Path profile) {
        this.driver = driver;
        this.base = base;
        this.profile = profile;
    }

    static ConsoleBrowser open(URI base) {
        Path chromium = RequiredToolExtension.which("chromium").orElseThrow();
        Path chromedriver = RequiredToolExtension.which("chromedriver").orElseThrow();
        System.setProperty("SE_OFFLINE", "true");
        Path profile;
        try {
            profile = Files.createTempDirectory("cangku-chromium-");
            Files.createDirectories(SCREENSHOTS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1360,1000", "--lang=en-US",
                "--user-data-dir=" + profile);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver.toFile())
                .usingAnyFreePort().build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(60));
        return new ConsoleBrowser(driver, base, profile);
    }

    ChromeDriver driver() {
        return driver;
    }

    void get(String pathAndQuery) {
        driver.get(base.resolve(pathAndQuery).toString());
    }

    String path() {
        URI current = URI.create(driver.getCurrentUrl());
        return current.getRawPath() + (current.getRawQuery() == null ? "" : "?" + current.getRawQuery());
    }

    WebElement find(By by) {
        return waitUntil(ExpectedConditions.visibilityOfElementLocated(by));
    }

    List<WebElement> all(By by) {
        return driver.findElements(by);
    }

    String text(By by) {
        return find(by).getText();
    }

    String heading() {
        return text(By.tagName("h1"));
    }

    <T> T waitUntil(java.util.function.Function<org.openqa.selenium.WebDriver, T> condition) {
        try {
            // an element read while htmx swaps its part of the page goes stale: read again on the next poll
            return new WebDriverWait(driver, Duration.ofSeconds(20)).ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                    .until(condition::apply);
        } catch (org.openqa.selenium.TimeoutException e) {
            String body = driver.findElements(By.tagName("body")).stream().map(WebElement::getText).findFirst().orElse("");
            throw new AssertionError("waited 20 s in vain on " + driver.getCurrentUrl() + ", showing: "
                    + body.substring(0, Math.min(600, body.length())), e);
        }
    }

    /** Presses Tab until the focused element satisfies {@code wanted}, as a keyboard user would; fails after 80 presses. */
    WebElement tabTo(Predicate<WebElement> wanted, String description) {
        for (int i = 0; i < 80; i++) {
            new Actions(driver).sendKeys(Keys.TAB).perform();
            WebElement active = driver.switchTo().activeElement();
            if (wanted.test(active)) {
                return active;
            }
        }
        throw new AssertionError("Tab never reached " + description + " on " + path());
    }

    /**
     * Clicks a link or a form's button that loads another page, and waits until that page has replaced this one.
     * Reading right after a plain click can find the old page's elements, which the browser then drops under the
     * test's feet ("Node with given id does not belong to the document").
     */
    void clickToLoad(By by) {
        // The old page is told apart from the new one by a mark set on its window, not by waiting for its
        // element to go stale: asked about a node while the browser swaps documents, chromedriver 156 sometimes
        // answers "Node with given id does not belong to the document" instead of "stale element" (seen in CI).
        loadsAnotherPage(() -> find(by).click());
    }

    /**
     * Tabs to the link or button {@code target} finds, as a keyboard user would, presses Enter on it, and waits
     * until the page it loads has replaced this one (as {@link #clickToLoad}).
     */
    void enterToLoad(By target, String description) {
        WebElement wanted = find(target);
        tabTo(wanted::equals, description);
        loadsAnotherPage(() -> press(Keys.ENTER));
    }

    /**
     * Tabs to a form's button that asks for confirmation first (the browser's own confirm dialog), presses
     * Enter on it, accepts the dialog and waits until the page the form loads has replaced this one.
     */
    void enterAndConfirmToLoad(By target, String description) {
        WebElement wanted = find(target);
        tabTo(wanted::equals, description);
        loadsAnotherPage(() -> {
            press(Keys.ENTER);
            waitUntil(ExpectedConditions.alertIsPresent()).accept();
        });
    }

    private void loadsAnotherPage(Runnable action) {
        String mark = java.util.UUID.randomUUID().toString();
        script("window.cangkuPageMark = arguments[0]", mark);
        action.run();
        waitUntilLoaded(d -> !mark.equals(script("return window.cangkuPageMark"))
                && "complete".equals(script("return document.readyState")));
    }

    /** As {@link #waitUntil}, asking again on any driver error: scripts run mid-navigation fail until it ends. */
    private void waitUntilLoaded(java.util.function.Function<org.openqa.selenium.WebDriver, Boolean> loaded) {
        try {
            new WebDriverWait(driver, Duration.ofSeconds(20)).ignoring(org.openqa.selenium.WebDriverException.class)
                    .until(loaded::apply);
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("waited 20 s in vain for a new page after " + driver.getCurrentUrl(), e);
        }
    }

    /** The name shown as signed in on the current page, or empty when no one is (the sign-in page). */
    String signedInAs() {
        return all(By.cssSelector(".session .who > span:not(.visually-hidden):not(.badge)")).stream()
                .map(WebElement::getText).findFirst().orElse("");
    }

    void press(CharSequence key) {
        new Actions(driver).sendKeys(key).perform();
    }

    Object script(String script, Object... arguments) {
        return ((JavascriptExecutor) driver).executeScript(script, arguments);
    }

    /**
     * Checks the page as it stands: no serious or critical axe-core violation, no error in the browser
     * console, then saves a screenshot named {@code name}.
     */
    void checkPage(String name) {
        assertNoSeriousAccessibilityViolations();
        assertNoConsoleErrors();
        screenshot(name);
    }

    /** A screenshot of a page that shows a secret, with the secret fields blanked first. */
    void screenshotWithoutSecret(String name) {
        assertNoSeriousAccessibilityViolations();
        assertNoConsoleErrors();
        script("document.querySelectorAll('#secret, #login-cmd').forEach(function (e) {"
                + " e.value = e.value.replace(/[A-Za-z0-9_-]{40,}/, '••••••••••••••••••••••••••••••••'); });");
        screenshot(name);
    }

    void screenshot(String name) {
        // Tall enough for the whole page, so the saved image shows what a person scrolling would see.
        Number height = (Number) script("return Math.min(4000, Math.max(900, document.documentElement.scrollHeight))");
        driver.manage().window().setSize(new org.openqa.selenium.Dimension(1360, height.intValue()));
        Path file = driver.getScreenshotAs(OutputType.FILE).toPath();
        try {
            Files.copy(file, SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            driver.manage().window().setSize(new org.openqa.selenium.Dimension(1360, 1000));
        }
    }

    void assertNoSeriousAccessibilityViolations() {
        script(AXE);
        Object result = driver.executeAsyncScript("var done = arguments[arguments.length - 1];"
                + "axe.run(document, {resultTypes: ['violations']})"
                + ".then(function (r) { done(JSON.stringify(r.violations)); })"
                + ".catch(function (e) { done('axe failed: ' + e); });");
        String text = String.valueOf(result);
        assertThat(text).as("axe-core ran on %s", path()).startsWith("[");
        List<String> serious = new ArrayList<>();
        for (JsonNode violation : JSON.readTree(text)) {
            String impact = violation.path("impact").asString("");
            if (impact.equals("serious") || impact.equals("critical")) {
                List<String> targets = new ArrayList<>();
                violation.path("nodes").forEach(n -> targets.add(n.path("target").toString()));
                serious.add(impact + " " + violation.path("id").asString() + ": " + violation.path("help").asString()
                        + " at " + targets);
            }
        }
        assertThat(serious).as("serious or critical accessibility violations on %s", path()).isEmpty();
    }

    void assertNoConsoleErrors() {
        List<String> errors = new ArrayList<>();
        String page = driver.getCurrentUrl();
        for (LogEntry entry : driver.manage().logs().get(LogType.BROWSER)) {
            // A 404 or 403 page a test opens on purpose logs its own status as a failed load; any other
            // failed load (a script, a stylesheet) is an error.
            boolean expectedStatus = entry.getMessage().startsWith(page + " ")
                    && entry.getMessage().contains("the server responded with a status of");
            if (entry.getLevel().intValue() >= Level.SEVERE.intValue() && !expectedStatus) {
                errors.add(entry.getMessage());
            }
        }
        assertThat(errors).as("errors in the browser console on %s", path()).isEmpty();
    }

    /** Signs in through the form with the keyboard only: type, Tab, type, Enter. */
    void signIn(String user, String password) {
        get("/login");
        WebElement name = find(By.id("username"));
        assertThat(driver.switchTo().activeElement()).as("the user name field has focus").isEqualTo(name);
        press(user);
        press(Keys.TAB);
        press(password);
        press(Keys.ENTER);
        // to the page asked for, or back to /login?error
        waitUntil(d -> !URI.create(d.getCurrentUrl()).getPath().equals("/login") || URI.create(d.getCurrentUrl()).getQuery() != null);
    }

    void signOut() {
        clickToLoad(By.cssSelector(".session button[type=submit]"));
        waitUntil(d -> d.getCurrentUrl().contains("/login"));
    }

    private static String loadAxe() {
        String path = new WebJarVersionLocator().fullPath("axe-core", "axe.min.js");
        try (InputStream in = ConsoleBrowser.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("axe-core WebJar not on the test classpath: " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            io.cangku.testing.Backends.deleteRecursively(profile);
        }
    }

}
