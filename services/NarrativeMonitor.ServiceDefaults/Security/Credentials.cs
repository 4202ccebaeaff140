using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace NarrativeMonitor.ServiceDefaults.Security;

/// <summary>An API key as the service keeps it: the SHA-256 of the key, never the key.</summary>
public sealed record ApiKeyAccount(string Name, byte[] KeyHash, IReadOnlyList<string> Roles);

/// <summary>Reads the configured credentials (inline or from files) once, at start.</summary>
public static class Credentials
{
    public const int MinimumApiKeyLength = 16;
    public const int MinimumHmacKeyBytes = 32;

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    public static IReadOnlyList<ApiKeyAccount> LoadApiKeys(AuthOptions options) =>
        [.. options.ApiKeys.Select(k => new ApiKeyAccount(k.Name, HashOf(k), [.. k.Roles]))];

    private static byte[] HashOf(ApiKeyOptions key)
    {
        var sources = new[] { key.Key, key.KeyFile, key.KeySha256 }.Count(s => !string.IsNullOrWhiteSpace(s));
        if (sources != 1)
        {
            throw new InvalidOperationException($"Auth:ApiKeys '{key.Name}': set exactly one of Key, KeyFile and KeySha256.");
        }

        if (!string.IsNullOrWhiteSpace(key.KeySha256))
        {
            try
            {
                var hash = Convert.FromHexString(key.KeySha256.Trim());
                return hash.Length == 32 ? hash : throw new FormatException();
            }
            catch (FormatException)
            {
                throw new InvalidOperationException($"Auth:ApiKeys '{key.Name}': KeySha256 must be 64 hex digits.");
            }
        }

        var secret = key.Key ?? ReadSecretFile(key.KeyFile!, $"Auth:ApiKeys '{key.Name}': KeyFile");
        return secret.Length >= MinimumApiKeyLength
            ? Hash(secret)
            : throw new InvalidOperationException($"Auth:ApiKeys '{key.Name}': the key must be at least {MinimumApiKeyLength} characters.");
    }

    /// <returns>The key that checks token signatures, or null when no JWT key is configured (every token is refused).</returns>
    public static SecurityKey? LoadSigningKey(JwtOptions jwt)
    {
        if (!jwt.IsConfigured)
        {
            return null;
        }

        if (!string.IsNullOrWhiteSpace(jwt.SigningKey) && !string.IsNullOrWhiteSpace(jwt.SigningKeyFile))
        {
            throw new InvalidOperationException("Auth:Jwt: set SigningKey or SigningKeyFile, not both.");
        }

        var text = jwt.SigningKey ?? ReadSecretFile(jwt.SigningKeyFile!, "Auth:Jwt:SigningKeyFile");
        if (text.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            return PublicKey(text);
        }

        byte[] secret;
        try
        {
            secret = Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw new InvalidOperationException("Auth:Jwt: the signing key must be base64 (an HMAC secret) or a PEM public key.");
        }

        return secret.Length >= MinimumHmacKeyBytes
            ? new SymmetricSecurityKey(secret)
            : throw new InvalidOperationException($"Auth:Jwt: an HMAC signing key must be at least {MinimumHmacKeyBytes} bytes.");
    }

    private static SecurityKey PublicKey(string pem)
    {
        if (pem.Contains("PRIVATE KEY", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("Auth:Jwt: give the service the public key only, not the private key.");
        }

        try
        {
            var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            return new RsaSecurityKey(rsa);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            var ec = ECDsa.Create();
            try
            {
                ec.ImportFromPem(pem);
            }
            catch (Exception inner) when (inner is ArgumentException or CryptographicException)
            {
                throw new InvalidOperationException("Auth:Jwt: the PEM signing key is neither an RSA nor an EC public key.", inner);
            }

            return new ECDsaSecurityKey(ec);
        }
    }

    private static string ReadSecretFile(string path, string setting)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"{setting} '{path}' cannot be read: {e.Message}", e);
        }
    }
}
