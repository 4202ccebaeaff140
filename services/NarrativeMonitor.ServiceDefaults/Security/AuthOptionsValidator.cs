using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace NarrativeMonitor.ServiceDefaults.Security;

/// <summary>Refuses to start on a setting that would leave the API open or a credential that cannot be used.</summary>
public sealed class AuthOptionsValidator(IConfiguration configuration) : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var failures = new List<string>();
        if (options.Mode == AuthMode.Open)
        {
            foreach (var (setting, url) in SecurityExtensions.ConfiguredUrls(configuration))
            {
                if (!SecurityExtensions.IsLoopback(url))
                {
                    failures.Add($"Auth:Mode is Open, which is allowed only when every endpoint binds a loopback address, but {setting} is '{url}'. "
                        + "Bind 127.0.0.1 or set Auth:Mode=Required with Auth:Jwt or Auth:ApiKeys.");
                }
            }
        }

        if (options.Jwt.IsConfigured && (string.IsNullOrWhiteSpace(options.Jwt.Issuer) || string.IsNullOrWhiteSpace(options.Jwt.Audience)))
        {
            failures.Add("Auth:Jwt needs Issuer and Audience when a signing key is set.");
        }

        try
        {
            Credentials.LoadSigningKey(options.Jwt);
        }
        catch (InvalidOperationException e)
        {
            failures.Add(e.Message);
        }

        foreach (var group in options.ApiKeys.GroupBy(k => k.Name, StringComparer.Ordinal))
        {
            if (string.IsNullOrWhiteSpace(group.Key))
            {
                failures.Add("Auth:ApiKeys: every key needs a Name.");
            }
            else if (group.Count() > 1)
            {
                failures.Add($"Auth:ApiKeys: the name '{group.Key}' is used {group.Count()} times.");
            }

            foreach (var role in group.SelectMany(k => k.Roles).Where(r => !Roles.All.Contains(r)))
            {
                failures.Add($"Auth:ApiKeys '{group.Key}': unknown role '{role}' (known: {string.Join(", ", Roles.All)}).");
            }
        }

        try
        {
            Credentials.LoadApiKeys(options);
        }
        catch (InvalidOperationException e)
        {
            failures.Add(e.Message);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Says at start how the service authenticates callers, and stops an Open service that ended up on a non-loopback address.</summary>
public sealed partial class AuthStartupCheck(
    IOptions<AuthOptions> options,
    IServer server,
    IHostApplicationLifetime lifetime,
    ILogger<AuthStartupCheck> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var auth = options.Value;
        if (auth.Mode == AuthMode.Open)
        {
            LogOpen(logger);
            lifetime.ApplicationStarted.Register(CheckBoundAddresses);
        }
        else if (!auth.Jwt.IsConfigured && auth.ApiKeys.Count == 0)
        {
            LogNoCredentials(logger);
        }
        else
        {
            LogRequired(logger, auth.Jwt.IsConfigured, auth.Jwt.Issuer ?? "", string.Join(", ", auth.ApiKeys.Select(k => k.Name)));
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void CheckBoundAddresses()
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var exposed = addresses.Where(a => !SecurityExtensions.IsLoopback(a)).ToList();
        if (exposed.Count > 0)
        {
            LogExposed(logger, string.Join(", ", exposed));
            lifetime.StopApplication();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Auth:Mode is Open: this service runs WITHOUT AUTHENTICATION; any local process may call every gRPC method. Use it only on loopback (embedded mode, tests).")]
    private static partial void LogOpen(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Auth:Mode is Required but neither Auth:Jwt nor Auth:ApiKeys is configured: every gRPC call except health will be refused.")]
    private static partial void LogNoCredentials(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Authentication required: JWT bearer {JwtConfigured} (issuer {Issuer}), API keys for {ApiKeyNames}.")]
    private static partial void LogRequired(ILogger logger, bool jwtConfigured, string issuer, string apiKeyNames);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Auth:Mode is Open but the server listens on {Addresses}, which are not loopback: stopping.")]
    private static partial void LogExposed(ILogger logger, string addresses);
}
