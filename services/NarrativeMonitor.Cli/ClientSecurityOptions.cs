using System.CommandLine;
using NarrativeMonitor.ServiceDefaults.Security;

namespace NarrativeMonitor.Cli;

/// <summary>
/// The options a command that calls running services takes to authenticate and verify them. Secrets can come from files or
/// the environment (NM_API_KEY, NM_TOKEN), so they need not appear in the process list.
/// </summary>
public sealed class ClientSecurityOptions
{
    public Option<string?> ApiKeyFile { get; } = new("--api-key-file") { Description = "File holding the API key sent as x-api-key (or set NM_API_KEY)" };
    public Option<string?> TokenFile { get; } = new("--token-file") { Description = "File holding a JWT sent as a bearer token (or set NM_TOKEN)" };
    public Option<string?> CaFile { get; } = new("--ca-file") { Description = "PEM CA certificate that issued the services' TLS certificates" };
    public Option<string?> ClientCertificate { get; } = new("--client-cert") { Description = "PEM client certificate for services that require mTLS" };
    public Option<string?> ClientKey { get; } = new("--client-key") { Description = "PEM private key of --client-cert" };

    public IEnumerable<Option> All => [ApiKeyFile, TokenFile, CaFile, ClientCertificate, ClientKey];

    public void AddTo(Command command)
    {
        foreach (var option in All)
        {
            command.Options.Add(option);
        }
    }

    /// <exception cref="IOException">A named file cannot be read.</exception>
    public GrpcClientSecurity Read(ParseResult parse) => new()
    {
        ApiKey = Secret(parse.GetValue(ApiKeyFile), "NM_API_KEY"),
        BearerToken = Secret(parse.GetValue(TokenFile), "NM_TOKEN"),
        CaFile = parse.GetValue(CaFile),
        ClientCertificateFile = parse.GetValue(ClientCertificate),
        ClientKeyFile = parse.GetValue(ClientKey),
    };

    private static string? Secret(string? file, string variable) =>
        file is not null ? File.ReadAllText(file).Trim() : Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? value : null;
}
