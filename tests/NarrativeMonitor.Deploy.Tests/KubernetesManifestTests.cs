using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using NarrativeMonitor.Classification;
using NarrativeMonitor.ServiceDefaults;

namespace NarrativeMonitor.Deploy.Tests;

/// <summary>The overlays of deploy/k8s rendered with `kubectl kustomize`, once per test run.</summary>
public static class Rendered
{
    public static readonly TheoryData<string> Overlays = new() { "dev", "prod" };

    private static readonly ConcurrentDictionary<string, Lazy<IReadOnlyList<Dictionary<string, object?>>>> Cache = new();

    public static IReadOnlyList<Dictionary<string, object?>> Documents(string overlay) =>
        Cache.GetOrAdd(overlay, o => new(() => Yaml.LoadAll(Kubectl.Kustomize(Repo.PathOf("deploy", "k8s", "overlays", o))))).Value;

    public static IEnumerable<Dictionary<string, object?>> OfKind(string overlay, string kind) =>
        Documents(overlay).Where(d => d.Kind() == kind);

    public static IEnumerable<(Dictionary<string, object?> Deployment, Dictionary<string, object?> Container)> Containers(string overlay) =>
        OfKind(overlay, "Deployment").SelectMany(d =>
            d.At("spec.template.spec").Maps("containers").Concat(d.At("spec.template.spec").Maps("initContainers")).Select(c => (d, c)));
}

public sealed class KubernetesManifestTests
{
    private static readonly Dictionary<string, Type> BuiltInKinds = new()
    {
        ["v1/Namespace"] = typeof(V1Namespace),
        ["v1/ConfigMap"] = typeof(V1ConfigMap),
        ["v1/Secret"] = typeof(V1Secret),
        ["v1/Service"] = typeof(V1Service),
        ["apps/v1/Deployment"] = typeof(V1Deployment),
        ["policy/v1/PodDisruptionBudget"] = typeof(V1PodDisruptionBudget),
        ["autoscaling/v2/HorizontalPodAutoscaler"] = typeof(V2HorizontalPodAutoscaler),
    };

    private static readonly HashSet<string> CustomKinds =
        ["keda.sh/v1alpha1/ScaledObject", "keda.sh/v1alpha1/TriggerAuthentication", "monitoring.coreos.com/v1/PodMonitor"];

    [Theory]
    [MemberData(nameof(Rendered.Overlays), MemberType = typeof(Rendered))]
    public void Overlay_renders_every_service_with_its_scaling_and_disruption_budget(string overlay)
    {
        var documents = Rendered.Documents(overlay);
        string[] services = ["narrativemonitor-ingest", "narrativemonitor-classification", "narrativemonitor-alerts"];
        foreach (var service in services)
        {
            Assert.Contains(documents, d => d.Kind() == "Deployment" && d.Name() == service);
            Assert.Contains(documents, d => d.Kind() == "Service" && d.Name() == service);
            Assert.Contains(documents, d => d.Kind() == "PodDisruptionBudget" && d.Name() == service);
        }

        Assert.Contains(documents, d => d.Kind() == "Deployment" && d.Name() == "narrativemonitor-dashboard");
        Assert.Contains(documents, d => d.Kind() == "Service" && d.Name() == "narrativemonitor-dashboard");

        var hpas = Rendered.OfKind(overlay, "HorizontalPodAutoscaler").ToList();
        Assert.Equal(["narrativemonitor-alerts", "narrativemonitor-ingest"], hpas.Select(h => h.At("spec.scaleTargetRef").Str("name")).Order());
        Assert.All(hpas, h => Assert.Contains(h.At("spec").Maps("metrics"), m => m.At("resource").Str("name") == "cpu"));
        var scaled = Assert.Single(Rendered.OfKind(overlay, "ScaledObject"));
        Assert.Equal("narrativemonitor-classification", scaled.At("spec.scaleTargetRef").Str("name"));
        Assert.All(documents.Where(d => d.Kind() != "Namespace"), d => Assert.Equal(overlay == "dev" ? "narrativemonitor-dev" : "narrativemonitor", d.Map("metadata").Str("namespace")));
    }

    /// <summary>
    /// Schema check. Built-in kinds are parsed into KubernetesClient's generated models (from the Kubernetes OpenAPI
    /// schema) with strict YAML, so an unknown or misspelled field or a wrongly typed value fails; required fields are
    /// then checked by hand, as the models do not enforce them. Custom resources (KEDA, Prometheus Operator) get
    /// structural checks in their own tests. No JSON-schema package works offline here, hence this approach.
    /// </summary>
    [Theory]
    [MemberData(nameof(Rendered.Overlays), MemberType = typeof(Rendered))]
    public void Every_resource_matches_the_schema_of_its_kind(string overlay)
    {
        var problems = new List<string>();
        foreach (var document in Rendered.Documents(overlay))
        {
            var key = $"{document.Str("apiVersion")}/{document.Kind()}";
            if (CustomKinds.Contains(key))
            {
                continue;
            }

            if (!BuiltInKinds.TryGetValue(key, out var type))
            {
                problems.Add($"{document.Describe()}: {key} has no schema check; add it to {nameof(KubernetesManifestTests)}");
                continue;
            }

            try
            {
                var parsed = typeof(KubernetesYaml).GetMethods()
                    .Single(m => m.Name == nameof(KubernetesYaml.Deserialize) && m.IsGenericMethod && m.GetParameters() is [{ ParameterType.Name: "String" }, { ParameterType.Name: "Boolean" }])
                    .MakeGenericMethod(type)
                    .Invoke(null, [Yaml.Dump(document), true]);
                problems.AddRange(RequiredFields(parsed!).Select(p => $"{document.Describe()}: {p}"));
            }
            catch (System.Reflection.TargetInvocationException ex)
            {
                problems.Add($"{document.Describe()}: {ex.InnerException?.Message}");
            }
        }

        Assert.True(problems.Count == 0, Text.Lines(problems));
    }

    [Fact]
    public void Strict_parsing_rejects_a_misspelled_field()
    {
        const string yaml = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  replicaz: 2\n";
        Assert.ThrowsAny<Exception>(() => KubernetesYaml.Deserialize<V1Deployment>(yaml, true));
    }

    [Theory]
    [MemberData(nameof(Rendered.Overlays), MemberType = typeof(Rendered))]
    public void Every_container_has_probes_resources_a_restricted_security_context_and_a_pinned_image(string overlay)
    {
        var problems = new List<string>();
        foreach (var (deployment, container) in Rendered.Containers(overlay))
        {
            var where = $"{deployment.Describe()} container {container.Str("name")}";
            var pod = deployment.At("spec.template.spec")!;
            if (container.Map("readinessProbe") is null) problems.Add($"{where}: no readinessProbe");
            if (container.Map("livenessProbe") is null) problems.Add($"{where}: no livenessProbe");
            foreach (var section in new[] { "requests", "limits" })
            {
                foreach (var resource in new[] { "cpu", "memory" })
                {
                    if (container.At($"resources.{section}").Str(resource) is null) problems.Add($"{where}: no resources.{section}.{resource}");
                }
            }

            var security = container.Map("securityContext");
            var podSecurity = pod.Map("securityContext");
            if ((security.Str("runAsNonRoot") ?? podSecurity.Str("runAsNonRoot")) != "true") problems.Add($"{where}: runAsNonRoot is not true");
            if ((security.Str("runAsUser") ?? podSecurity.Str("runAsUser")) is "0" or null) problems.Add($"{where}: runAsUser must be a non-zero UID");
            if (security.Str("readOnlyRootFilesystem") != "true") problems.Add($"{where}: readOnlyRootFilesystem is not true");
            if (security.Str("allowPrivilegeEscalation") != "false") problems.Add($"{where}: allowPrivilegeEscalation is not false");
            if (!security.Map("capabilities").Strings("drop").Contains("ALL")) problems.Add($"{where}: capabilities do not drop ALL");
            if ((security.Map("seccompProfile") ?? podSecurity.Map("seccompProfile")).Str("type") != "RuntimeDefault") problems.Add($"{where}: seccompProfile is not RuntimeDefault");
            var tmp = container.Maps("volumeMounts").FirstOrDefault(m => m.Str("mountPath") == "/tmp");
            if (tmp is null || !pod.Maps("volumes").Any(v => v.Str("name") == tmp.Str("name") && v.ContainsKey("emptyDir")))
            {
                problems.Add($"{where}: no emptyDir mounted at /tmp (the root filesystem is read-only)");
            }

            var image = container.Str("image") ?? "";
            if (ImageProblem(image) is { } imageProblem) problems.Add($"{where}: {imageProblem}");
        }

        Assert.True(problems.Count == 0, Text.Lines(problems));
    }

    [Theory]
    [MemberData(nameof(Rendered.Overlays), MemberType = typeof(Rendered))]
    public void Probes_use_grpc_health_with_readiness_on_every_check_and_liveness_on_the_live_ones(string overlay)
    {
        foreach (var (deployment, container) in Rendered.Containers(overlay))
        {
            var grpcPort = container.Maps("ports").Single(p => p.Str("name") == "grpc").Str("containerPort");
            var readiness = container.At("readinessProbe.grpc");
            var liveness = container.At("livenessProbe.grpc");
            Assert.True(readiness is not null && liveness is not null, $"{deployment.Describe()}: probes must be native gRPC probes");
            Assert.Equal(grpcPort, readiness.Str("port"));
            Assert.Equal(grpcPort, liveness.Str("port"));
            Assert.True(string.IsNullOrEmpty(readiness.Str("service")), $"{deployment.Describe()}: readiness must ask service \"\" (every check, Redis and the bus included)");
            Assert.Equal(ServiceDefaultsExtensions.LivenessService, liveness.Str("service"));
        }
    }

    [Theory]
    [MemberData(nameof(Rendered.Overlays), MemberType = typeof(Rendered))]
    public void Termination_grace_covers_the_preStop_pause_and_the_consumer_drain(string overlay)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.AddMessaging(_ => { });
        using var services = builder.Services.BuildServiceProvider();
        var drain = services.GetRequiredService<IOptions<MassTransitHostOptions>>().Value.StopTimeout ?? TimeSpan.Zero;
        Assert.True(drain > TimeSpan.Zero, "MassTransit StopTimeout is not set");

        foreach (var (deployment, container) in Rendered.Containers(overlay))
        {
            var preStop = int.Parse(container.At("lifecycle.preStop.sleep")?.Str("seconds")
                ?? throw new Xunit.Sdk.XunitException($"{deployment.Describe()}: no preStop sleep"));
            var grace = int.Parse(deployment.At("spec.template.spec").Str("terminationGracePeriodSeconds") ?? "30");
            Assert.True(grace >= preStop + drain.TotalSeconds + 5,
                $"{deployment.Describe()}: terminationGracePeriodSeconds {grace} < preStop {preStop} s + MassTransit StopTimeout {drain.TotalSeconds} s + 5 s");
        }
    }

    [Theory]
    [MemberData(nameof(Rendered.Overlays), MemberType = typeof(Rendered))]
    public void Every_configuration_key_is_a_key_of_an_options_class(string overlay)
    {
        var names = new List<(string Where, string Name)>();
        // A Secret mounted as files (the credentials) holds file names, not settings.
        var mounted = Rendered.OfKind(overlay, "Deployment")
            .SelectMany(d => d.At("spec.template.spec").Maps("volumes"))
            .Select(v => v.At("secret")?.Str("secretName")).OfType<string>().ToHashSet();
        foreach (var map in Rendered.OfKind(overlay, "ConfigMap").Concat(Rendered.OfKind(overlay, "Secret").Where(s => !mounted.Contains(s.Name()))))
        {
            names.AddRange(new[] { map.Map("data"), map.Map("stringData") }.SelectMany(d => d?.Keys.ToList() ?? []).Select(k => (map.Describe(), k)));
        }

        foreach (var (deployment, container) in Rendered.Containers(overlay))
        {
            names.AddRange(container.Maps("env").Select(e => (deployment.Describe(), e.Str("name")!)));
            names.AddRange(container.Maps("env").Select(e => e.At("valueFrom.secretKeyRef") ?? e.At("valueFrom.configMapKeyRef"))
                .Where(r => r is not null).Select(r => (deployment.Describe(), r.Str("key")!)));
        }

        foreach (var auth in Rendered.OfKind(overlay, "TriggerAuthentication"))
        {
            names.AddRange(auth.At("spec").Maps("secretTargetRef").Select(r => (auth.Describe(), r.Str("key")!)));
        }

        Assert.Contains(names, n => n.Name == "Storage__Provider");
        var problems = names.Select(n => OptionsKeys.Problem(n.Name) is { } p ? $"{n.Where}: {p}" : null).OfType<string>().ToList();
        Assert.True(problems.Count == 0, Text.Lines(problems));
    }

    [Fact]
    public void Options_discovery_finds_every_section_the_services_bind()
    {
        Assert.Superset(new HashSet<string>(["Storage", "Messaging", "Ingest", "Classification", "Alerts"], StringComparer.OrdinalIgnoreCase),
            OptionsKeys.Sections.Keys.ToHashSet(StringComparer.OrdinalIgnoreCase));
        Assert.Contains("Messaging__RabbitMqUri", OptionsKeys.All);
        Assert.Null(OptionsKeys.Problem("Auth__ApiKeys__3__Roles__1"));
        Assert.Null(OptionsKeys.Problem("RateLimiting__Ingest__TokenLimit"));
        Assert.NotNull(OptionsKeys.Problem("Auth__ApiKeys__0__Secret"));
        Assert.NotNull(OptionsKeys.Problem("Storage__RedisConection"));
        Assert.NotNull(OptionsKeys.Problem("REDIS_URL"));
    }

    [Theory]
    [MemberData(nameof(Rendered.Overlays), MemberType = typeof(Rendered))]
    public void Every_configuration_source_a_container_reads_exists(string overlay)
    {
        var configMaps = Rendered.OfKind(overlay, "ConfigMap").Select(c => c.Name()).ToHashSet();
        var secrets = Rendered.OfKind(overlay, "Secret").Select(c => c.Name()).ToHashSet();
        foreach (var (deployment, container) in Rendered.Containers(overlay))
        {
            foreach (var source in container.Maps("envFrom"))
            {
                if (source.Map("configMapRef") is { } configMap)
                {
                    Assert.True(configMaps.Contains(configMap.Str("name")!), $"{deployment.Describe()}: ConfigMap {configMap.Str("name")} is not rendered");
                }
                else if (source.Map("secretRef") is { } secret && overlay == "dev")
                {
                    // prod expects the Secret to be created outside kustomize (see its kustomization).
                    Assert.True(secrets.Contains(secret.Str("name")!), $"{deployment.Describe()}: Secret {secret.Str("name")} is not rendered");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Rendered.Overlays), MemberType = typeof(Rendered))]
    public void Every_service_port_and_selector_reaches_a_deployment_container_port(string overlay)
    {
        var deployments = Rendered.OfKind(overlay, "Deployment").ToList();
        foreach (var service in Rendered.OfKind(overlay, "Service"))
        {
            var selector = service.At("spec.selector")!.ToDictionary(e => e.Key, e => e.Value?.ToString());
            var targets = deployments.Where(d => selector.All(s => d.At("spec.template.metadata.labels").Str(s.Key) == s.Value)).ToList();
            var deployment = Assert.Single(targets);
            var ports = deployment.At("spec.template.spec").Maps("containers").SelectMany(c => c.Maps("ports")).ToList();
            foreach (var port in service.At("spec").Maps("ports"))
            {
                var target = port.Str("targetPort") ?? port.Str("port");
                Assert.True(ports.Any(p => p.Str("name") == target || p.Str("containerPort") == target),
                    $"{service.Describe()} port {port.Str("name")}: target {target} is no container port of {deployment.Describe()}");
                Assert.True(ports.Any(p => p.Str("name") == port.Str("name")),
                    $"{service.Describe()}: port name {port.Str("name")} is not a container port name of {deployment.Describe()}");
            }
        }

        foreach (var monitor in Rendered.OfKind(overlay, "PodMonitor"))
        {
            foreach (var endpoint in monitor.At("spec").Maps("podMetricsEndpoints"))
            {
                Assert.All(deployments, d => Assert.Contains(d.At("spec.template.spec").Maps("containers").SelectMany(c => c.Maps("ports")), p => p.Str("name") == endpoint.Str("port")));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Rendered.Overlays), MemberType = typeof(Rendered))]
    public void Dashboard_addresses_name_rendered_headless_services_on_their_grpc_ports(string overlay)
    {
        var config = Assert.Single(Rendered.OfKind(overlay, "ConfigMap"), c => c.Name().StartsWith("narrativemonitor-dashboard-", StringComparison.Ordinal)).Map("data")!;
        foreach (var key in new[] { "Dashboard__AlertsAddress", "Dashboard__ClassificationAddress" })
        {
            var address = new Uri(config[key]!.ToString()!);
            Assert.Equal("dns", address.Scheme);
            var hostAndPort = address.AbsolutePath.Trim('/').Split(':');
            var service = Assert.Single(Rendered.OfKind(overlay, "Service"), s => s.Name() == hostAndPort[0]);
            Assert.Equal("None", service.At("spec").Str("clusterIP"));
            Assert.Contains(service.At("spec").Maps("ports"), p => p.Str("port") == hostAndPort[1] && p.Str("name") == "grpc");
        }
    }

    [Theory]
    [MemberData(nameof(Rendered.Overlays), MemberType = typeof(Rendered))]
    public void Classification_scales_on_the_queues_of_its_consumers(string overlay)
    {
        var formatter = new KebabCaseEndpointNameFormatter(false);
        string[] queues = [formatter.Consumer<ArticleIngestedConsumer>(), formatter.Consumer<ArticleBatchIngestedConsumer>()];
        Assert.Equal(["article-ingested", "article-batch-ingested"], queues);
        var scaled = Assert.Single(Rendered.OfKind(overlay, "ScaledObject"));
        Assert.Equal("keda.sh/v1alpha1", scaled.Str("apiVersion"));
        Assert.Contains(Rendered.OfKind(overlay, "Deployment"), d => d.Name() == scaled.At("spec.scaleTargetRef").Str("name"));
        var triggers = scaled.At("spec").Maps("triggers").ToList();
        Assert.Equal(queues, triggers.Select(t => t.Map("metadata").Str("queueName")));
        Assert.All(triggers, t =>
        {
            Assert.Equal("rabbitmq", t.Str("type"));
            Assert.Equal("QueueLength", t.Map("metadata").Str("mode"));
            Assert.True(int.Parse(t.Map("metadata").Str("value")!) > 0);
            Assert.Equal(triggers[0].Map("authenticationRef").Str("name"), t.Map("authenticationRef").Str("name"));
        });
        var trigger = triggers[0];
        Assert.True(int.Parse(scaled.At("spec").Str("minReplicaCount")!) >= 1, "minReplicaCount must keep a consumer on the queue");
        Assert.True(int.Parse(scaled.At("spec").Str("maxReplicaCount")!) >= int.Parse(scaled.At("spec").Str("minReplicaCount")!));

        // No EntityPrefix in the overlays: with one, queueName must carry it.
        Assert.DoesNotContain(Rendered.OfKind(overlay, "ConfigMap"), c => c.Map("data")?.ContainsKey("Messaging__EntityPrefix") == true);

        var auth = Assert.Single(Rendered.OfKind(overlay, "TriggerAuthentication"), a => a.Name() == trigger.Map("authenticationRef").Str("name"));
        var host = Assert.Single(auth.At("spec").Maps("secretTargetRef"));
        Assert.Equal("host", host.Str("parameter"));
        Assert.Equal("Messaging__RabbitMqUri", host.Str("key"));
        var secretName = Rendered.Containers(overlay).SelectMany(c => c.Container.Maps("envFrom")).Select(e => e.Map("secretRef").Str("name")).OfType<string>().Distinct().Single();
        Assert.Equal(secretName, host.Str("name"));
    }

    [Theory]
    [InlineData("narrativemonitor/ingest:0.1.0", true)]
    [InlineData("registry.example.com:5000/nm/ingest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", true)]
    [InlineData("narrativemonitor/ingest", false)]
    [InlineData("narrativemonitor/ingest:latest", false)]
    [InlineData("registry.example.com:5000/nm/ingest", false)]
    public void Image_pinning_rule(string image, bool pinned) => Assert.Equal(pinned, ImageProblem(image) is null);

    /// <summary>Null when the image names a digest, or a tag other than latest.</summary>
    public static string? ImageProblem(string image)
    {
        if (Regex.IsMatch(image, "@sha256:[0-9a-f]{64}$"))
        {
            return null;
        }

        var lastSegment = image[(image.LastIndexOf('/') + 1)..];
        var colon = lastSegment.LastIndexOf(':');
        if (colon < 0)
        {
            return $"image {image} has neither tag nor digest";
        }

        return lastSegment[(colon + 1)..] == "latest" ? $"image {image} uses the tag latest" : null;
    }

    private static IEnumerable<string> RequiredFields(object resource)
    {
        switch (resource)
        {
            case V1Deployment d:
                if (d.Spec?.Selector?.MatchLabels is not { Count: > 0 }) yield return "spec.selector.matchLabels is required";
                if (d.Spec?.Template?.Spec?.Containers is not { Count: > 0 }) yield return "spec.template.spec.containers is required";
                foreach (var c in d.Spec?.Template?.Spec?.Containers ?? [])
                {
                    if (string.IsNullOrEmpty(c.Name) || string.IsNullOrEmpty(c.Image)) yield return "every container needs name and image";
                }

                if (d.Spec?.Selector?.MatchLabels is { } labels && labels.Any(l => (d.Spec.Template?.Metadata?.Labels is { } template && template.TryGetValue(l.Key, out var value) ? value : null) != l.Value))
                {
                    yield return "spec.selector does not match the template's labels";
                }

                break;
            case V1Service s:
                if (s.Spec?.Ports is not { Count: > 0 }) yield return "spec.ports is required";
                foreach (var p in s.Spec?.Ports ?? [])
                {
                    if (p.Port is <= 0 or > 65535) yield return $"port {p.Name}: port out of range";
                }

                break;
            case V1PodDisruptionBudget b:
                if (b.Spec?.Selector is null) yield return "spec.selector is required";
                if ((b.Spec?.MinAvailable is null) == (b.Spec?.MaxUnavailable is null)) yield return "exactly one of minAvailable and maxUnavailable";
                break;
            case V2HorizontalPodAutoscaler h:
                if (h.Spec?.ScaleTargetRef?.Name is null || h.Spec.ScaleTargetRef.Kind is null) yield return "spec.scaleTargetRef kind and name are required";
                if (h.Spec?.MaxReplicas is not > 0) yield return "spec.maxReplicas is required";
                if (h.Spec?.MinReplicas > h.Spec?.MaxReplicas) yield return "minReplicas > maxReplicas";
                break;
        }

        if (resource is IMetadata<V1ObjectMeta> { Metadata.Name: null or "" })
        {
            yield return "metadata.name is required";
        }
    }
}
