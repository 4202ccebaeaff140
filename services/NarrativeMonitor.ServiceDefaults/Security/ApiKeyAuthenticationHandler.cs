using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace NarrativeMonitor.ServiceDefaults.Security;

/// <summary>Service accounts: the <c>x-api-key</c> header, hashed and compared in constant time with every configured key.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyAccounts accounts)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "x-api-key";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(HeaderName, out var values) || values.Count == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var presented = Credentials.Hash(values[0] ?? "");
        ApiKeyAccount? match = null;
        // Every key is compared, so the time taken does not tell which key (or how much of one) matched.
        foreach (var account in accounts.All)
        {
            if (CryptographicOperations.FixedTimeEquals(presented, account.KeyHash))
            {
                match = account;
            }
        }

        if (match is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("Unknown API key."));
        }

        var claims = new List<Claim> { new(ClaimTypes.Name, match.Name), new("auth_method", "api_key") };
        claims.AddRange(match.Roles.Select(role => new Claim(RoleClaims.Role, role)));
        var identity = new ClaimsIdentity(claims, SchemeName, ClaimTypes.Name, RoleClaims.Role);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}

/// <summary>The configured API keys, loaded once at start.</summary>
public sealed class ApiKeyAccounts(IOptions<AuthOptions> options)
{
    private readonly Lazy<IReadOnlyList<ApiKeyAccount>> _all = new(() => Credentials.LoadApiKeys(options.Value));

    public IReadOnlyList<ApiKeyAccount> All => _all.Value;
}
