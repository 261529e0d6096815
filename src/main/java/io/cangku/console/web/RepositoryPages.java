package io.cangku.console.web;

import io.cangku.auth.AuditLog;
import io.cangku.gc.StorageUsage;
import io.cangku.oci.Digest;
import io.cangku.oci.RepositoryName;
import io.cangku.oci.Tag;
import io.cangku.registry.ManifestService;
import io.cangku.registry.RegistryProperties;
import io.cangku.registry.RepositoryService;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;
import org.springframework.web.util.UriComponentsBuilder;

import java.io.IOException;
import java.util.List;

/**
 * Repositories, their tags and manifests, and deleting them. Repository names hold slashes, so they travel as
 * query parameters ({@code /repository?name=team/app}), never as path segments a proxy might normalise.
 * Every delete is a GET that shows a confirmation naming what goes, then a POST (with its CSRF token).
 */
@Controller
class RepositoryPages {

    private static final int MAX_QUERY_LENGTH = 255;

    private final RepositoryBrowser browser;
    private final ManifestService manifests;
    private final AuditLog audit;
    private final ConsoleProperties properties;
    private final RegistryProperties registry;
    private final RegistryHost hosts;
    private final UsageFigures usage;
    private final RepositoryService repositories;

    RepositoryPages(RepositoryBrowser browser, ManifestService manifests, AuditLog audit, ConsoleProperties properties,
                    RegistryProperties registry, RegistryHost hosts, UsageFigures usage, RepositoryService repositories) {
        this.repositories = repositories;
        this.browser = browser;
        this.manifests = manifests;
        this.audit = audit;
        this.properties = properties;
        this.registry = registry;
        this.hosts = hosts;
        this.usage = usage;
    }

    @GetMapping("/")
    String home() {
        return "redirect:/repositories";
    }

    @GetMapping("/repositories")
    String repositories(@ModelAttribute("viewer") Viewer viewer, @RequestParam(required = false) String q,
                        @RequestParam(required = false) String after, @RequestParam(required = false) String deleted,
                        HttpServletRequest request, Model model) throws IOException {
        String query = q == null ? "" : q.strip();
        if (query.length() > MAX_QUERY_LENGTH || (after != null && after.length() > RepositoryName.MAX_LENGTH)) {
            throw ConsoleException.badRequest("search for at most " + MAX_QUERY_LENGTH + " characters of a repository name");
        }
        RepositoryBrowser.RepositoryPage page = browser.repositories(viewer, query, after, properties.pageSize());
        model.addAttribute("nav", "repositories");
        model.addAttribute("q", query);
        model.addAttribute("deleted", deleted);
        model.addAttribute("after", after);
        model.addAttribute("page", page);
        model.addAttribute("sizes", usage.sizesOf(page.rows().stream().map(RepositoryBrowser.RepositoryRow::name).toList()));
        model.addAttribute("admin", viewer.admin());
        model.addAttribute("nextUrl", page.next() == null ? null : UriComponentsBuilder.fromPath("/repositories")
                .queryParamIfPresent("q", java.util.Optional.of(query).filter(s -> !s.isEmpty()))
                .queryParam("after", page.next()).encode().build().toUriString());
        // htmx asks for the results only while the user types in the search box
        return request.getHeader("HX-Request") != null ? "repositories :: results" : "repositories";
    }

    @GetMapping("/repository")
    String repository(@ModelAttribute("viewer") Viewer viewer, @RequestParam String name,
                      @RequestParam(required = false) String after, @RequestParam(required = false) String deleted,
                      HttpServletRequest request, Model model) throws IOException {
        RepositoryName repository = pullable(viewer, name);
        RepositoryBrowser.TagPage tags = browser.tags(repository, after, properties.pageSize());
        model.addAttribute("nav", "repositories");
        model.addAttribute("repository", repository.toString());
        model.addAttribute("tags", tags);
        model.addAttribute("after", after);
        model.addAttribute("deleted", deleted);
        model.addAttribute("mayDelete", viewer.mayDelete(repository.toString()) && registry.delete().enabled());
        model.addAttribute("mayDeleteRepository", viewer.mayDelete(repository.toString()) && registry.delete().enabled());
        model.addAttribute("host", hosts.of(request));
        UsageFigures.Sizes sizes = usage.sizesOf(List.of(repository.toString()));
        model.addAttribute("sizes", sizes);
        model.addAttribute("size", sizes.byName().get(repository.toString()));
        model.addAttribute("nextUrl", tags.next() == null ? null : UriComponentsBuilder.fromPath("/repository")
                .queryParam("name", repository.toString()).queryParam("after", tags.next()).encode().build().toUriString());
        return "repository";
    }

    @GetMapping("/manifest")
    String manifest(@ModelAttribute("viewer") Viewer viewer, @RequestParam String repository, @RequestParam String digest,
                    HttpServletRequest request, Model model) throws IOException {
        RepositoryName name = pullable(viewer, repository);
        Digest parsed = Digest.parse(digest);
        RepositoryBrowser.ManifestView view = browser.manifest(name, parsed)
                .orElseThrow(() -> ConsoleException.notFound("manifest " + digest + " is not in " + name));
        model.addAttribute("nav", "repositories");
        model.addAttribute("m", view);
        model.addAttribute("title", name + "@" + new Format().shortDigest(view.digest()));
        model.addAttribute("host", hosts.of(request));
        model.addAttribute("mayDelete", viewer.mayDelete(name.toString()) && registry.delete().enabled());
        return "manifest";
    }

    // ---- deletes: confirm (GET), then do (POST)

    @GetMapping("/tags/delete")
    String confirmTagDelete(@ModelAttribute("viewer") Viewer viewer, @RequestParam String repository,
                            @RequestParam String tag, Model model) {
        RepositoryName name = deletable(viewer, repository);
        Tag parsed = Tag.parse(tag);
        model.addAttribute("nav", "repositories");
        model.addAttribute("what", "tag");
        model.addAttribute("title", "Delete tag " + name + ":" + parsed + "?");
        model.addAttribute("explanation", "The tag goes; the manifest it points at stays, with any other tags on it, "
                + "so no space is freed (a collection that deletes untagged manifests removes it once no tag is left). "
                + "Pulls of " + name + ":" + parsed + " will fail.");
        model.addAttribute("action", "/tags/delete");
        model.addAttribute("fields", java.util.Map.of("repository", name.toString(), "tag", parsed.toString()));
        model.addAttribute("cancel", "/repository?name=" + encode(name.toString()));
        model.addAttribute("confirmLabel", "Delete tag " + parsed);
        model.addAttribute("items", List.of());
        return "confirm";
    }

    @PostMapping("/tags/delete")
    String deleteTag(@ModelAttribute("viewer") Viewer viewer, @RequestParam String repository, @RequestParam String tag,
                     HttpServletRequest request, RedirectAttributes redirect) throws IOException {
        RepositoryName name = deletable(viewer, repository);
        Tag parsed = Tag.parse(tag);
        if (!manifests.delete(name, parsed)) {
            throw ConsoleException.notFound("tag " + parsed + " is not in " + name + " (deleted meanwhile?)");
        }
        audit.record(viewer.name(), "delete", name + ":" + parsed, request.getRemoteAddr(), "ok");
        redirect.addAttribute("name", name.toString());
        redirect.addAttribute("deleted", "tag " + parsed);
        return "redirect:/repository";
    }

    @GetMapping("/manifests/delete")
    String confirmManifestDelete(@ModelAttribute("viewer") Viewer viewer, @RequestParam String repository,
                                 @RequestParam String digest, Model model) throws IOException {
        RepositoryName name = deletable(viewer, repository);
        Digest parsed = Digest.parse(digest);
        List<String> tags = browser.tagsOf(name, parsed);
        model.addAttribute("nav", "repositories");
        model.addAttribute("what", "manifest");
        model.addAttribute("title", "Delete manifest " + parsed + " from " + name + "?");
        model.addAttribute("explanation", tags.isEmpty()
                ? "No tag points at this manifest. It leaves the repository; pulls by this digest will fail."
                : "The manifest leaves the repository together with every tag on it, listed below ("
                + tags.size() + "). Pulls of these tags and of the digest will fail. The next garbage collection "
                + "frees the layers no other manifest uses.");
        model.addAttribute("items", tags.stream().map(t -> name + ":" + t).toList());
        model.addAttribute("action", "/manifests/delete");
        model.addAttribute("fields", java.util.Map.of("repository", name.toString(), "digest", parsed.toString()));
        model.addAttribute("cancel", "/manifest?repository=" + encode(name.toString()) + "&digest=" + encode(parsed.toString()));
        model.addAttribute("confirmLabel", tags.isEmpty() ? "Delete manifest" : "Delete manifest and " + tags.size()
                + (tags.size() == 1 ? " tag" : " tags"));
        return "confirm";
    }

    @PostMapping("/manifests/delete")
    String deleteManifest(@ModelAttribute("viewer") Viewer viewer, @RequestParam String repository,
                          @RequestParam String digest, HttpServletRequest request, RedirectAttributes redirect) throws IOException {
        RepositoryName name = deletable(viewer, repository);
        Digest parsed = Digest.parse(digest);
        if (!manifests.delete(name, parsed)) {
            throw ConsoleException.notFound("manifest " + parsed + " is not in " + name + " (deleted meanwhile?)");
        }
        audit.record(viewer.name(), "delete", name + "@" + parsed, request.getRemoteAddr(), "ok");
        redirect.addAttribute("name", name.toString());
        redirect.addAttribute("deleted", "manifest " + new Format().shortDigest(parsed.toString()));
        return "redirect:/repository";
    }

    @GetMapping("/repositories/delete")
    String confirmRepositoryDelete(@ModelAttribute("viewer") Viewer viewer, @RequestParam String name, Model model)
            throws IOException {
        RepositoryName repository = deletable(viewer, name);
        if (!browser.exists(repository)) {
            throw ConsoleException.notFound("repository " + repository + " does not exist (deleted meanwhile?)");
        }
        StorageUsage.RepositoryUsage size = usage.sizesOf(List.of(repository.toString())).byName().get(repository.toString());
        model.addAttribute("nav", "repositories");
        model.addAttribute("what", "repository");
        model.addAttribute("title", "Delete repository " + repository + "?");
        // the space comes back only when the collector runs: say so, and how much it was when last measured
        model.addAttribute("explanation", "Every tag and manifest of " + repository + " goes at once, and pulls from it fail. "
                + "The space is not freed now: the next garbage collection frees the layers no other repository uses"
                + (size == null ? "." : " (" + new Format().bytes(size.exclusiveBytes()) + " at the last measurement).")
                + " This cannot be undone.");
        model.addAttribute("items", List.of());
        model.addAttribute("action", "/repositories/delete");
        model.addAttribute("fields", java.util.Map.of("name", repository.toString()));
        model.addAttribute("cancel", "/repository?name=" + encode(repository.toString()));
        model.addAttribute("confirmLabel", "Delete repository " + repository);
        return "confirm";
    }

    @PostMapping("/repositories/delete")
    String deleteRepository(@ModelAttribute("viewer") Viewer viewer, @RequestParam String name, HttpServletRequest request,
                            RedirectAttributes redirect) throws IOException {
        RepositoryName repository = deletable(viewer, name);
        if (!repositories.delete(repository)) {
            throw ConsoleException.notFound("repository " + repository + " does not exist (deleted meanwhile?)");
        }
        // the same audit action as DELETE /api/repositories/**
        audit.record(viewer.name(), "delete-repository", repository.toString(), request.getRemoteAddr(), "ok");
        redirect.addAttribute("deleted", repository.toString());
        return "redirect:/repositories";
    }

    private RepositoryName pullable(Viewer viewer, String name) throws IOException {
        RepositoryName repository = RepositoryName.parse(name);
        // the same answer for "absent" and "not yours", so the console does not tell who has what
        if (!viewer.mayPull(repository.toString()) || !browser.exists(repository)) {
            throw ConsoleException.notFound("repository " + repository + " does not exist or you may not pull it");
        }
        return repository;
    }

    private RepositoryName deletable(Viewer viewer, String name) {
        RepositoryName repository = RepositoryName.parse(name);
        if (!registry.delete().enabled()) {
            throw new ConsoleException(405, "deleting is turned off on this registry (registry.delete.enabled=false)");
        }
        if (!viewer.mayDelete(repository.toString())) {
            throw ConsoleException.forbidden(viewer.name() + " may not delete in " + repository
                    + "; an administrator can grant delete with an access rule");
        }
        return repository;
    }

    static String encode(String value) {
        return java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8);
    }
}
