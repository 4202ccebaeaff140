using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace NarrativeMonitor.Deploy.Tests;

/// <summary>
/// The Dockerfiles and the compose file, checked offline (no Docker engine or hadolint here): COPY sources exist, every
/// project the service builds from is copied, base images are pinned, the user is not root, the ports are exposed.
/// </summary>
public sealed partial class ContainerTests
{
    public static readonly TheoryData<string> Services = new() { "Ingest", "Classification", "Alerts", "Dashboard" };

    [Theory]
    [MemberData(nameof(Services))]
    public void Dockerfile_copies_only_existing_sources_and_every_project_the_service_builds_from(string service)
    {
        var dockerfile = Dockerfile(service);
        var copies = Instructions(dockerfile, "COPY").Where(args => !args.StartsWith("--from", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(copies);
        var sources = new List<string>();
        foreach (var copy in copies)
        {
            var parts = copy.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(p => !p.StartsWith("--", StringComparison.Ordinal)).ToArray();
            Assert.True(parts.Length >= 2, $"COPY {copy}: needs a source and a destination");
            foreach (var source in parts[..^1])
            {
                var path = Repo.PathOf(source.TrimEnd('/'));
                Assert.True(File.Exists(path) || Directory.Exists(path), $"{service}/Dockerfile: COPY source {source} does not exist in the repository");
                sources.Add(source.TrimEnd('/'));
            }
        }

        // Restore layer: each csproj alone, before any source; build layer: each project folder.
        var firstSourceCopy = copies.FindIndex(c => c.StartsWith("protos/", StringComparison.Ordinal));
        Assert.True(firstSourceCopy > 0, $"{service}/Dockerfile: protos/ must be copied after the restore layer");
        foreach (var project in ProjectClosure($"services/NarrativeMonitor.{service}/NarrativeMonitor.{service}.csproj"))
        {
            Assert.True(copies.Take(firstSourceCopy).Any(c => c.StartsWith(project + " ", StringComparison.Ordinal)),
                $"{service}/Dockerfile: the restore layer does not copy {project}");
            Assert.Contains(Path.GetDirectoryName(project)!.Replace('\\', '/'), sources);
        }

        foreach (var file in new[] { "global.json", "Directory.Build.props", "Directory.Packages.props" })
        {
            Assert.Contains(file, sources);
        }

        var restore = dockerfile.IndexOf("dotnet restore", StringComparison.Ordinal);
        Assert.True(restore > 0 && restore < dockerfile.IndexOf("COPY protos/", StringComparison.Ordinal), $"{service}/Dockerfile: restore must run before the sources are copied");
    }

    [Theory]
    [MemberData(nameof(Services))]
    public void Dockerfile_pins_its_base_images_runs_as_the_app_user_and_exposes_the_kestrel_ports(string service)
    {
        var dockerfile = Dockerfile(service);
        var froms = Instructions(dockerfile, "FROM").Select(f => f.Split(' ')[0]).ToList();
        Assert.Equal(2, froms.Count);
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:", froms[0]);
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:", froms[1]);
        Assert.All(froms, image => Assert.True(PinnedImage().IsMatch(image), $"{service}/Dockerfile: {image} is not pinned to an exact version (x.y.z tag or sha256 digest)"));

        var user = Assert.Single(Instructions(dockerfile, "USER"));
        Assert.Equal("1654:1654", user);
        Assert.True(dockerfile.LastIndexOf("USER", StringComparison.Ordinal) > dockerfile.LastIndexOf("FROM", StringComparison.Ordinal), "USER must be set in the runtime stage");

        var exposed = Instructions(dockerfile, "EXPOSE").SelectMany(e => e.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToHashSet();
        Assert.Equal(KestrelPorts(service).ToHashSet(), exposed);
        Assert.Contains($"\"NarrativeMonitor.{service}.dll\"", Assert.Single(Instructions(dockerfile, "ENTRYPOINT")));
    }

    [Fact]
    public void Dockerignore_keeps_host_build_output_out_of_the_context()
    {
        var lines = File.ReadAllLines(Repo.PathOf(".dockerignore")).Select(l => l.Trim()).ToHashSet();
        Assert.Contains("**/bin/", lines);
        Assert.Contains("**/obj/", lines);
        Assert.DoesNotContain("protos/", lines);
        Assert.DoesNotContain("services/", lines);
    }

    [Fact]
    public void Compose_runs_the_services_on_pinned_healthy_dependencies_with_valid_settings()
    {
        var compose = Yaml.Load(File.ReadAllText(Repo.PathOf("deploy", "compose", "compose.yaml")));
        var services = compose.Map("services")!;
        Assert.Equal("rabbitmq:3.13.7-management", services.Map("rabbitmq").Str("image"));
        Assert.Equal("redis:7.2.5", services.Map("redis").Str("image"));
        var redisCommand = string.Join(' ', services.Map("redis").Strings("command"));
        Assert.Contains("--appendonly yes", redisCommand);
        Assert.Contains("--appendfsync everysec", redisCommand);

        foreach (var (name, value) in services)
        {
            var service = (Dictionary<string, object?>)value!;
            Assert.True(service.Map("healthcheck") is not null, $"compose service {name} has no healthcheck");
            Assert.True(KubernetesManifestTests.ImageProblem(service.Str("image") ?? "") is null, $"compose service {name}: image is not pinned");
        }

        foreach (var name in new[] { "ingest", "classification", "alerts" })
        {
            var service = services.Map(name)!;
            var dockerfile = service.Map("build").Str("dockerfile")!;
            Assert.True(File.Exists(Repo.PathOf(dockerfile)), $"compose service {name}: {dockerfile} does not exist");
            Assert.Equal("service_healthy", service.Map("depends_on").Map("rabbitmq").Str("condition"));
            Assert.Equal("service_healthy", service.Map("depends_on").Map("redis").Str("condition"));
            Assert.Equal("true", service.Str("read_only"));
            foreach (var variable in service.Map("environment")!.Keys)
            {
                Assert.Null(OptionsKeys.Problem(variable));
            }

            var project = Path.GetFileName(Path.GetDirectoryName(dockerfile))!;
            var ports = KestrelPorts(project["NarrativeMonitor.".Length..]);
            Assert.Equal(ports.Order(), service.Strings("ports").Select(p => p.Split(':')[^1]).Order());
            var healthcheck = string.Join(' ', service.Map("healthcheck").Strings("test"));
            Assert.Contains($"/dev/tcp/127.0.0.1/{ports.Min()}/", healthcheck.Replace(" ", "/", StringComparison.Ordinal) + "/");
        }

        // The dashboard needs only the services it calls, by their compose names and gRPC ports.
        var dashboard = services.Map("dashboard")!;
        Assert.True(File.Exists(Repo.PathOf(dashboard.Map("build").Str("dockerfile")!)));
        Assert.Equal("service_healthy", dashboard.Map("depends_on").Map("alerts").Str("condition"));
        Assert.Equal("service_healthy", dashboard.Map("depends_on").Map("classification").Str("condition"));
        Assert.All(dashboard.Map("environment")!.Keys, variable => Assert.Null(OptionsKeys.Problem(variable)));
        Assert.Equal($"http://alerts:{KestrelPorts("Alerts").Max()}", dashboard.Map("environment").Str("Dashboard__AlertsAddress"));
        Assert.Equal($"http://classification:{KestrelPorts("Classification").Max()}", dashboard.Map("environment").Str("Dashboard__ClassificationAddress"));
        Assert.Equal(KestrelPorts("Dashboard").Order(), dashboard.Strings("ports").Select(p => p.Split(':')[^1]).Order());
    }

    private static string Dockerfile(string service) => File.ReadAllText(Repo.PathOf("services", $"NarrativeMonitor.{service}", "Dockerfile"));

    /// <summary>Arguments of each instruction, continuation lines joined, comments dropped.</summary>
    private static IEnumerable<string> Instructions(string dockerfile, string instruction)
    {
        var joined = Regex.Replace(dockerfile, @"\\\r?\n", " ");
        foreach (var line in joined.Split('\n').Select(l => l.Trim()))
        {
            if (line.StartsWith(instruction + " ", StringComparison.OrdinalIgnoreCase))
            {
                yield return Regex.Replace(line[(instruction.Length + 1)..].Trim(), " +", " ");
            }
        }
    }

    /// <summary>The project and every project it references, transitively, as repository-relative paths.</summary>
    private static IReadOnlyList<string> ProjectClosure(string project)
    {
        var seen = new List<string>();
        var pending = new Stack<string>([project]);
        while (pending.TryPop(out var current))
        {
            if (seen.Contains(current))
            {
                continue;
            }

            seen.Add(current);
            var directory = Path.GetDirectoryName(Repo.PathOf(current))!;
            foreach (var reference in XDocument.Load(Repo.PathOf(current)).Descendants("ProjectReference"))
            {
                var full = Path.GetFullPath(Path.Combine(directory, reference.Attribute("Include")!.Value.Replace('\\', '/')));
                pending.Push(Path.GetRelativePath(Repo.Root, full).Replace('\\', '/'));
            }
        }

        return seen;
    }

    private static IReadOnlyList<string> KestrelPorts(string service)
    {
        using var settings = JsonDocument.Parse(File.ReadAllText(Repo.PathOf("services", $"NarrativeMonitor.{service}", "appsettings.json")));
        return settings.RootElement.GetProperty("Kestrel").GetProperty("Endpoints").EnumerateObject()
            .Select(e => new Uri(e.Value.GetProperty("Url").GetString()!.Replace("0.0.0.0", "localhost", StringComparison.Ordinal)).Port.ToString())
            .ToList();
    }

    [GeneratedRegex(@"(:\d+\.\d+\.\d+[-\w.]*(@sha256:[0-9a-f]{64})?|@sha256:[0-9a-f]{64})$")]
    private static partial Regex PinnedImage();
}
