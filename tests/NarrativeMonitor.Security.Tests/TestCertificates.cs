using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace NarrativeMonitor.Security.Tests;

/// <summary>A throwaway PKI written as PEM files: a CA, a server certificate for 127.0.0.1/localhost, client certificates.</summary>
public sealed class TestCertificates : IDisposable
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    public TestCertificates()
    {
        Directory.CreateDirectory(Folder);
        using var ca = NewAuthority("CN=NarrativeMonitor Test CA");
        using var rogueCa = NewAuthority("CN=Someone Else's CA");
        Write(ca, "ca", withKey: false);
        Write(Issue(ca, "CN=localhost", ServerAuth, server: true), "server");
        Write(Issue(ca, "CN=svc-ingest", ClientAuth, server: false), "client");
        Write(Issue(rogueCa, "CN=svc-rogue", ClientAuth, server: false), "rogue-client");
    }

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "nm-security-tests-" + Guid.NewGuid().ToString("N")[..8]);

    public string Path_(string name) => Path.Combine(Folder, name);

    public string CaFile => Path_("ca.pem");
    public string ServerCertificate => Path_("server.pem");
    public string ServerKey => Path_("server.key");
    public string ClientCertificate => Path_("client.pem");
    public string ClientKey => Path_("client.key");
    public string RogueClientCertificate => Path_("rogue-client.pem");
    public string RogueClientKey => Path_("rogue-client.key");

    public void Dispose() => Directory.Delete(Folder, recursive: true);

    private static X509Certificate2 NewAuthority(string subject)
    {
        // ECDSA: RSA key generation takes seconds on a busy machine.
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));
    }

    private static X509Certificate2 Issue(X509Certificate2 authority, string subject, Oid usage, bool server)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage], false));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }

        using var issued = request.Create(authority, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1), RandomNumberGenerator.GetBytes(12));
        return issued.CopyWithPrivateKey(key);
    }

    private void Write(X509Certificate2 certificate, string name, bool withKey = true)
    {
        File.WriteAllText(Path_(name + ".pem"), certificate.ExportCertificatePem());
        if (withKey)
        {
            File.WriteAllText(Path_(name + ".key"), certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        }
    }
}
