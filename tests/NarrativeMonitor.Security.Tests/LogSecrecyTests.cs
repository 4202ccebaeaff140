using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using NarrativeMonitor.Cli;
using NarrativeMonitor.Protos.Ingest.V1;
using NarrativeMonitor.Testing;
using Xunit;
using Xunit.Abstractions;

namespace NarrativeMonitor.Security.Tests;

[Collection(ServersCollection.Name)]
public sealed class LogSecrecyTests(RedisFixture redis, RabbitMqFixture rabbitMq, ITestOutputHelper output)
{
    [Fact]
    public async Task Logs_at_information_and_above_never_contain_tokens_api_keys_or_article_bodies()
    {
        var authority = new TestAuthority();
        var settings = authority.Settings();
        settings["Logging:LogLevel:Default"] = "Information";
        settings["Logging:LogLevel:Microsoft"] = "Information";
        settings["Logging:LogLevel:Microsoft.AspNetCore"] = "Information";
        var logs = new CapturedLogs();
        await using var app = await SecuredHosts.StartAsync(HostedService.Ingest, redis, rabbitMq, settings, builder =>
        {
            builder.Logging.AddProvider(logs);
            builder.Logging.SetMinimumLevel(LogLevel.Information);
        });
        using var channel = GrpcChannel.ForAddress(app.GrpcAddress());
        var client = new IngestService.IngestServiceClient(channel);

        var ingestToken = authority.Token(["ingest"], subject: "feeder-7");
        var forgedToken = authority.Token(["ingest"], secret: System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var body = "Secret-body-marker " + Guid.NewGuid().ToString("N") + " reported fighting near the border.";
        var title = "Title-marker " + Guid.NewGuid().ToString("N");

        await client.RegisterSourceAsync(new RegisterSourceRequest
        {
            Source = new Source { Id = "logsrc", Name = "Log source", Kind = NarrativeMonitor.Protos.Common.V1.SourceKind.Wire, Country = "US", Language = "en" },
        }, TestAuthority.ApiKey(authority.ApiKeys["admin"]));
        var article = new Article
        {
            SourceId = "logsrc",
            Url = "https://wire.example/log-test/" + Guid.NewGuid().ToString("N"),
            PublishedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddMinutes(-1)),
            Title = title,
            Body = body,
        };
        var accepted = await client.SubmitArticleAsync(new SubmitArticleRequest { Article = article }, TestAuthority.Bearer(ingestToken));
        Assert.Equal(SubmissionOutcome.Accepted, accepted.Outcome);
        using (var stream = client.SubmitArticles(TestAuthority.ApiKey(authority.ApiKeys["ingest"])))
        {
            var copy = article.Clone();
            copy.Url += "-2";
            copy.Body = body + " Again.";
            await stream.RequestStream.WriteAsync(new SubmitArticleRequest { Article = copy });
            await stream.RequestStream.CompleteAsync();
            await stream.ResponseAsync;
        }

        // Refused attempts are logged by the authentication handlers; the credentials they carried must not be.
        var invalid = article.Clone();
        invalid.Url = "not a url";
        await Assert.ThrowsAsync<RpcException>(async () => await client.SubmitArticleAsync(new SubmitArticleRequest { Article = invalid }, TestAuthority.Bearer(ingestToken)));
        await Assert.ThrowsAsync<RpcException>(async () => await client.SubmitArticleAsync(new SubmitArticleRequest { Article = article }, TestAuthority.Bearer(forgedToken)));
        await Assert.ThrowsAsync<RpcException>(async () => await client.SubmitArticleAsync(new SubmitArticleRequest { Article = article }, TestAuthority.ApiKey("wrong-key-" + authority.ApiKeys["ingest"])));
        await Assert.ThrowsAsync<RpcException>(async () => await client.ListSourcesAsync(new ListSourcesRequest(), TestAuthority.ApiKey(authority.ApiKeys["ingest"])));

        var entries = logs.Entries.Where(e => e.Level >= LogLevel.Information).ToList();
        output.WriteLine($"{entries.Count} log entries at Information or above");
        Assert.Contains(entries, e => e.Message.Contains("Registered source logsrc", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.Category.Contains("Authentication", StringComparison.Ordinal));

        var secrets = new Dictionary<string, string>
        {
            ["ingest token"] = ingestToken,
            ["ingest token signature"] = ingestToken.Split('.')[2],
            ["forged token signature"] = forgedToken.Split('.')[2],
            ["article body"] = body[..40],
            ["article title"] = title,
        };
        foreach (var (role, key) in authority.ApiKeys)
        {
            secrets[$"API key {role}"] = key;
        }

        var leaks = (from entry in entries
                     from secret in secrets
                     where $"{entry.Message}|{entry.Values}|{entry.Exception}".Contains(secret.Value, StringComparison.Ordinal)
                     select $"{entry.Category} ({entry.Level}) leaks the {secret.Key}: {entry.Message}").ToList();
        Assert.True(leaks.Count == 0, string.Join(Environment.NewLine, leaks));
    }
}
