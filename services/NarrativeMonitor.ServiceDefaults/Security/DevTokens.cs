using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace NarrativeMonitor.ServiceDefaults.Security;

/// <summary>Mints HS256 tokens with the shared secret a development deployment is configured with (production uses an identity provider).</summary>
public static class DevTokens
{
    public static string Mint(byte[] secret, string issuer, string audience, string subject, IEnumerable<string> roles, TimeSpan lifetime,
        DateTime? now = null)
    {
        var issuedAt = now ?? DateTime.UtcNow;
        var claims = new Dictionary<string, object> { ["sub"] = subject, [RoleClaims.Role] = roles.ToArray() };
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Claims = claims,
            IssuedAt = issuedAt,
            NotBefore = issuedAt,
            Expires = issuedAt + lifetime,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(secret), SecurityAlgorithms.HmacSha256),
        });
    }
}
