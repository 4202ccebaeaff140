using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using NarrativeMonitor.Protos.Alerts.V1;
using NarrativeMonitor.Protos.Classification.V1;
using NarrativeMonitor.Protos.Ingest.V1;

namespace NarrativeMonitor.Cli.Client;

/// <summary>
/// The options every client command shares (addresses, credentials, TLS, --json) and what a command needs to run:
/// gRPC clients, the output writers, and one place that turns a gRPC error into a message and an exit code.
/// </summary>
public static class ClientOptions
{
    public const string DefaultAddress = "http://127.0.0.1:5001";

    public static readonly Option<string?> Server = new("--server")
    {
        Description = $"gRPC address of all three services (env NM_SERVER; default {DefaultAddress}, the embedded `serve`)",
        Recursive = true,
    };

    public static readonly Option<string?> Ingest = new("--ingest") { Description = "gRPC address of the ingest service (env NM_INGEST)", Recursive = true };
    public static readonly Option<string?> Classification = new("--classification") { Description = "gRPC address of the classification service (env NM_CLASSIFICATION)", Recursive = true };
    public static readonly Option<string?> Alerts = new("--alerts") { Description = "gRPC address of the alert service (env NM_ALERTS)", Recursive = true };
    public static readonly Option<string?> ApiKey = new("--api-key") { Description = "API key, sent as x-api-key (env NM_API_KEY)", Recursive = true };
    public static readonly Option<string?> Token = new("--token") { Description = "JWT, sent as authorization: Bearer (env NM_TOKEN)", Recursive = true };
    public static readonly Option<FileInfo?> CaFile = new("--ca-file") { Description = "PEM file of the CA that signed the servers' TLS certificates (https addresses)", Recursive = true };
    public static readonly Option<bool> Json = new("--json") { Description = "Write JSON (protobuf JSON mapping) instead of tables: one document, or JSON lines for lists and streams", Recursive = true };

    /// <summary>Adds the shared options to a command group; its subcommands inherit them.</summary>
    public static Command WithClientOptions(this Command group)
    {
        foreach (var option in new Option[] { Server, Ingest, Classification, Alerts, ApiKey, Token, CaFile, Json })
        {
            group.Options.Add(option);
        }

        return group;
    }

    /// <summary>Sets a client command's action: builds its context, maps a gRPC error to a message and an exit code.</summary>
    public static void SetClientAction(this Command command, Func<ClientContext, ParseResult, CancellationToken, Task<int>> action) =>
        command.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            ClientContext context;
            try
            {
                context = ClientContext.Create(parse);
            }
            catch (UsageException ex)
            {
                await error.WriteLineAsync($"error: {ex.Message}");
                return ExitCodes.Usage;
            }

            using (context)
            {
                try
                {
                    return await action(context, parse, cancellationToken);
                }
                catch (UsageException ex)
                {
                    await error.WriteLineAsync($"error: {ex.Message}");
                    return ExitCodes.Usage;
                }
                catch (RpcException ex) when (!(ex.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested))
                {
                    await error.WriteLineAsync(context.Describe(ex, parse.CommandResult.Command.Name));
                    return ExitCodes.For(ex.StatusCode);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return ExitCodes.Ok;
                }
            }
        });
}

/// <summary>A problem with the command line or an input file, reported without a stack trace (exit code 2).</summary>
public sealed class UsageException(string message) : Exception(message);

public sealed class ClientContext : IDisposable
{
    private readonly Dictionary<Uri, GrpcChannel> _channels = [];
    private readonly Metadata _headers = [];
    private readonly X509Certificate2Collection? _trustedRoots;

    private ClientContext(TextWriter output, TextWriter error, bool json, Uri ingest, Uri classification, Uri alerts, X509Certificate2Collection? trustedRoots)
    {
        Output = output;
        Error = error;
        Json = json;
        IngestAddress = ingest;
        ClassificationAddress = classification;
        AlertsAddress = alerts;
        _trustedRoots = trustedRoots;
    }

    public TextWriter Output { get; }
    public TextWriter Error { get; }
    public bool Json { get; }
    public Uri IngestAddress { get; }
    public Uri ClassificationAddress { get; }
    public Uri AlertsAddress { get; }

    /// <summary>True when stdout is a terminal people watch, so progress bars are worth drawing.</summary>
    public bool Interactive => !Json && ReferenceEquals(Output, Console.Out) && !Console.IsOutputRedirected;

    public IngestService.IngestServiceClient Ingest => new(Invoker(IngestAddress));
    public FeedService.FeedServiceClient Feeds => new(Invoker(IngestAddress));
    public ClassificationService.ClassificationServiceClient Classification => new(Invoker(ClassificationAddress));
    public AlertService.AlertServiceClient Alerts => new(Invoker(AlertsAddress));

    public static ClientContext Create(ParseResult parse)
    {
        var server = parse.GetValue(ClientOptions.Server);
        Uri Address(Option<string?> option, string variable)
        {
            var value = parse.GetValue(option) ?? server ?? Environment.GetEnvironmentVariable(variable)
                ?? Environment.GetEnvironmentVariable("NM_SERVER") ?? ClientOptions.DefaultAddress;
            return Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                ? uri
                : throw new UsageException($"{option.Name}: '{value}' is not an http or https address like {ClientOptions.DefaultAddress}");
        }

        X509Certificate2Collection? roots = null;
        if (parse.GetValue(ClientOptions.CaFile) is { } caFile)
        {
            roots = [];
            try
            {
                roots.ImportFromPemFile(caFile.FullName);
            }
            catch (Exception ex) when (ex is IOException or System.Security.Cryptography.CryptographicException or UnauthorizedAccessException)
            {
                throw new UsageException($"--ca-file: {caFile.FullName}: {ex.Message}");
            }

            if (roots.Count == 0)
            {
                throw new UsageException($"--ca-file: {caFile.FullName}: no PEM certificate in it");
            }
        }

        var context = new ClientContext(parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, parse.GetValue(ClientOptions.Json),
            Address(ClientOptions.Ingest, "NM_INGEST"), Address(ClientOptions.Classification, "NM_CLASSIFICATION"), Address(ClientOptions.Alerts, "NM_ALERTS"), roots);
        if ((parse.GetValue(ClientOptions.ApiKey) ?? Environment.GetEnvironmentVariable("NM_API_KEY")) is { Length: > 0 } apiKey)
        {
            context._headers.Add("x-api-key", apiKey);
        }

        if ((parse.GetValue(ClientOptions.Token) ?? Environment.GetEnvironmentVariable("NM_TOKEN")) is { Length: > 0 } token)
        {
            context._headers.Add("authorization", "Bearer " + token);
        }

        return context;
    }

    /// <summary>"error: NOT_FOUND from http://…: id: no alert al-1", with a hint where the status has a usual cause.</summary>
    public string Describe(RpcException ex, string command)
    {
        // UPPER_SNAKE as in the gRPC spec and grpcurl: NOT_FOUND, INVALID_ARGUMENT.
        var code = System.Text.RegularExpressions.Regex.Replace(ex.StatusCode.ToString(), "(?<=[a-z])(?=[A-Z])", "_").ToUpperInvariant();
        var hint = ex.StatusCode switch
        {
            StatusCode.Unavailable => $" (is the service running? addresses: ingest {IngestAddress}, classification {ClassificationAddress}, alerts {AlertsAddress})",
            StatusCode.Unauthenticated => " (pass --api-key or --token, or set NM_API_KEY or NM_TOKEN)",
            StatusCode.PermissionDenied => " (the key or token lacks the role this call needs)",
            StatusCode.Unimplemented => $" (the server does not offer `{command}`: it runs an older version)",
            _ => "",
        };
        return ex.Status.Detail.Length == 0 ? $"error: {code}{hint}" : $"error: {code}: {ex.Status.Detail}{hint}";
    }

    public void Dispose()
    {
        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }
    }

    private CallInvoker Invoker(Uri address)
    {
        if (!_channels.TryGetValue(address, out var channel))
        {
            var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
            if (_trustedRoots is not null)
            {
                handler.SslOptions.CertificateChainPolicy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust };
                handler.SslOptions.CertificateChainPolicy.CustomTrustStore.AddRange(_trustedRoots);
            }

            _channels[address] = channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler, MaxReceiveMessageSize = 64 * 1024 * 1024 });
        }

        return channel.Intercept(metadata =>
        {
            foreach (var header in _headers)
            {
                metadata.Add(header);
            }

            return metadata;
        });
    }
}
