using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using ModelStore.Downloads;

namespace ModelStore.Oci.Registry;

/// <summary>
/// The connections to registries, shared by the stores of a process that trust the same certificate authorities: pooled,
/// redirects followed (a registry may send blob reads to its storage; <see cref="SocketsHttpHandler"/> drops the
/// <c>Authorization</c> header on the way), no transparent decompression, <see cref="HttpResilience"/>'s bounded waits.
/// </summary>
internal static class RegistryTransport
{
    private static readonly ConcurrentDictionary<string, HttpMessageHandler> Handlers = new(StringComparer.Ordinal);

    /// <summary>The shared handler trusting the system's authorities and, when given, those of <paramref name="caCertificateFile"/>.</summary>
    public static HttpMessageHandler For(string? caCertificateFile) =>
        Handlers.GetOrAdd(caCertificateFile is null ? "" : Path.GetFullPath(caCertificateFile), static file =>
        {
            var sockets = new SocketsHttpHandler
            {
                AllowAutoRedirect = true,
                MaxAutomaticRedirections = 10,
                AutomaticDecompression = DecompressionMethods.None,
                ConnectTimeout = TimeSpan.FromSeconds(30),
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                MaxConnectionsPerServer = 16,
            };
            if (file.Length > 0)
            {
                var authorities = new X509Certificate2Collection();
                authorities.ImportFromPemFile(file);
                sockets.SslOptions = new SslClientAuthenticationOptions
                {
                    RemoteCertificateValidationCallback = (_, certificate, _, errors) => Validate(certificate, errors, authorities),
                };
            }

            return HttpResilience.CreateHandler(sockets);
        });

    // The system's verdict, else a chain to one of the extra authorities with the host name matching.
    private static bool Validate(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection authorities)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
        {
            return false; // A name mismatch or no certificate is never forgiven.
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}
