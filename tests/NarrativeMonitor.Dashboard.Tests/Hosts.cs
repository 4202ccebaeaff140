using Google.Protobuf.WellKnownTypes;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using NarrativeMonitor.Cli;
using NarrativeMonitor.Protos.Alerts.V1;
using NarrativeMonitor.Protos.Classification.V1;
using NarrativeMonitor.Protos.Ingest.V1;
using NarrativeMonitor.ServiceDefaults;
using ProtoSourceKind = NarrativeMonitor.Protos.Common.V1.SourceKind;

namespace NarrativeMonitor.Dashboard.Tests;

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<RedisFixture>, ICollectionFixture<RabbitMqFixture>, ICollectionFixture<ChromiumFixture>
{
    public const string Name = "dashboard-browser";
}

/// <summary>The dashboard in a host of its own, composed as its Program.cs does, on free loopback ports.</summary>
public static class DashboardHost
{
    public static async Task<WebApplication> StartAsync(Uri alerts, Uri classification, IEnumerable<KeyValuePair<string, string?>>? settings = null)
    {
        var app = Build(alerts.ToString(), classification.ToString(), settings);
        await app.StartAsync();
        return app;
    }

    public static WebApplication Build(string alerts, string classification, IEnumerable<KeyValuePair<string, string?>>? settings = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = "NarrativeMonitor.Dashboard" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Dashboard:AlertsAddress"] = alerts,
            ["Dashboard:ClassificationAddress"] = classification,
            ["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{EmbeddedHost.FreePort()}",
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
            ["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{EmbeddedHost.FreePort()}",
            ["Kestrel:Endpoints:Http:Protocols"] = "Http1",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.AddServiceDefaults();
        builder.AddDashboardServices();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapDashboard();
        return app;
    }

    /// <summary>Where a browser opens the dashboard.</summary>
    public static Uri Url(this WebApplication app) => new(app.Configuration["Kestrel:Endpoints:Http:Url"]! + "/");
}

/// <summary>
/// Ingest, classification and alert, each in a host of its own on real Redis and RabbitMQ under a prefix no other test
/// uses, and the dashboard in front of them: the distributed deployment in one process.
/// </summary>
public sealed class LiveDeployment : IAsyncDisposable
{
    public static readonly DateTimeOffset Day0 = new(2024, 11, 1, 9, 0, 0, TimeSpan.Zero);
    private readonly List<WebApplication> _hosts = [];
    private readonly List<GrpcChannel> _channels = [];

    public WebApplication Dashboard { get; private set; } = null!;
    public IngestService.IngestServiceClient Ingest { get; private set; } = null!;
    public ClassificationService.ClassificationServiceClient Classification { get; private set; } = null!;
    public AlertService.AlertServiceClient Alerts { get; private set; } = null!;

    public static async Task<LiveDeployment> StartAsync(RedisFixture redis, RabbitMqFixture rabbit)
    {
        var deployment = new LiveDeployment();
        var settings = ServiceHosts.Distributed(redis.ConnectionString, rabbit.AmqpUri, RabbitMqFixture.UniquePrefix());

        // The page tests need the alerts their short synthetic texts are written to raise: the rules' reading of them is
        // fixed by their cue lists, the trained default's is a measured accuracy.
        settings["Classification:Classifier"] = "Rules";
        var addresses = new Dictionary<HostedService, Uri>();
        foreach (var service in new[] { HostedService.Ingest, HostedService.Classification, HostedService.Alerts })
        {
            var app = ServiceHosts.Build(service, settings);
            await app.StartAsync();
            deployment._hosts.Add(app);
            addresses[service] = app.GrpcAddress();
        }

        deployment.Ingest = new(deployment.Channel(addresses[HostedService.Ingest]));
        deployment.Classification = new(deployment.Channel(addresses[HostedService.Classification]));
        deployment.Alerts = new(deployment.Channel(addresses[HostedService.Alerts]));
        deployment.Dashboard = await DashboardHost.StartAsync(addresses[HostedService.Alerts], addresses[HostedService.Classification]);
        deployment._hosts.Insert(0, deployment.Dashboard);
        return deployment;
    }

    /// <summary>An official source, an analysis institute, a state outlet, and a claim on their topic.</summary>
    public async Task SetUpClaimAsync(string claimId)
    {
        foreach (var (id, kind) in new[] { ("ministry", ProtoSourceKind.Official), ("institute", ProtoSourceKind.Analysis), ("statenews", ProtoSourceKind.StateMedia) })
        {
            await Ingest.RegisterSourceAsync(new RegisterSourceRequest
            {
                Source = new Source { Id = id, Name = id, Kind = kind, Country = "XX", Language = "en" },
            });
        }

        await Classification.CreateClaimAsync(new CreateClaimRequest
        {
            Claim = new Claim
            {
                Id = claimId,
                Statement = "Northland troops are fighting alongside Eastland forces in Westmark province",
                Topic = "fighting in Westmark province",
                Keywords = { "Northland" },
                TopicKeywords = { "Westmark", "Riverford" },
                Rules = new ClaimRules { ConfirmationSources = 2, OmissionArticles = 3, OmissionWindow = Duration.FromTimeSpan(TimeSpan.FromDays(14)) },
            },
        });
    }

    /// <summary>Two confirmations, then the state outlet calls the reports fake: a denial alert.</summary>
    public async Task SubmitDenialAsync()
    {
        await SubmitAsync("c1", "ministry", 0, "Defence ministry confirms Northland troops in Westmark",
            "The defence ministry said on Friday that Northland troops are fighting alongside Eastland forces in Westmark province.");
        await SubmitAsync("c2", "institute", 1, "Northland soldiers in combat in Westmark",
            "Satellite images and intercepted radio traffic reviewed by our analysts show Northland troops fighting alongside Eastland forces in Westmark province since early November.");
        await SubmitAsync("d1", "statenews", 2, "Reports of Northland troops are fake",
            "The foreign ministry dismissed claims that Northland troops are fighting in Westmark province as fake, calling them a Western provocation.");
    }

    public async Task SubmitAsync(string id, string source, int day, string title, string body)
    {
        var response = await Ingest.SubmitArticleAsync(new SubmitArticleRequest
        {
            Article = new Article
            {
                Id = id,
                SourceId = source,
                Url = $"https://{source}.example/{id}",
                PublishedAt = Timestamp.FromDateTimeOffset(Day0.AddDays(day)),
                Title = title,
                Body = body,
                Language = "en",
            },
        });
        Assert.Equal(SubmissionOutcome.Accepted, response.Outcome);
    }

    private GrpcChannel Channel(Uri address)
    {
        var channel = GrpcChannel.ForAddress(address);
        _channels.Add(channel);
        return channel;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        foreach (var host in _hosts)
        {
            await host.StopAsync();
            await host.DisposeAsync();
        }
    }
}
