using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ModelStore.Oci.Testing;

/// <summary>
/// A token server as distribution's <c>auth: token</c> expects (docker's token authentication specification): <c>GET
/// /token?service=...&amp;scope=repository:NAME:pull,push</c> with basic credentials answers a JWT (RS256, the signing
/// certificate in the <c>x5c</c> header, trusted by the registry through <c>rootcertbundle</c>) granting the scopes asked
/// for. Wrong or missing credentials get 401. It records what it was asked.
/// </summary>
public sealed class TokenServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RSA _key;
    private readonly X509Certificate2 _certificate;
    private readonly string _user;
    private readonly string _password;
    private int _issued;

    private TokenServer(WebApplication app, RSA key, X509Certificate2 certificate, string user, string password, string service)
    {
        _app = app;
        _key = key;
        _certificate = certificate;
        _user = user;
        _password = password;
        Service = service;
    }

    public string Service { get; }

    public string Issuer => "modelstore-test-issuer";

    public Uri Realm { get; private set; } = null!;

    public string CertificatePem => _certificate.ExportCertificatePem();

    /// <summary>Tokens issued so far.</summary>
    public int Issued => Volatile.Read(ref _issued);

    /// <summary>The Authorization headers the server received (to check what was sent to it).</summary>
    public List<string?> Authorizations { get; } = [];

    /// <summary>The lifetime of issued tokens.</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(5);

    public static async Task<TokenServer> StartAsync(string user, string password, string service)
    {
        var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=modelstore-token-signer", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign, true));
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new TokenServer(app, key, certificate, user, password, service);
        app.Run(server.ServeAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Realm = new Uri(address.TrimEnd('/') + "/token");
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _certificate.Dispose();
        _key.Dispose();
    }

    private async Task ServeAsync(HttpContext context)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        lock (Authorizations)
        {
            Authorizations.Add(authorization.Length == 0 ? null : authorization);
        }

        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_user}:{_password}"));
        if (context.Request.Path != "/token" || authorization != expected || context.Request.Query["service"] != Service)
        {
            context.Response.StatusCode = 401;
            return;
        }

        var access = context.Request.Query["scope"].Select(scope => scope!.Split(':')).Where(parts => parts.Length == 3)
            .Select(parts => new { type = parts[0], name = parts[1], actions = parts[2].Split(',') }).ToArray();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = new { alg = "RS256", typ = "JWT", x5c = new[] { Convert.ToBase64String(_certificate.RawData) } };
        var claims = new { iss = Issuer, sub = _user, aud = Service, exp = now + (long)Lifetime.TotalSeconds, nbf = now - 60, iat = now, jti = Guid.NewGuid().ToString("N"), access };
        var signed = $"{Base64Url(JsonSerializer.SerializeToUtf8Bytes(header))}.{Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims))}";
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signed), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        Interlocked.Increment(ref _issued);
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsJsonAsync(new { token = $"{signed}.{Base64Url(signature)}", expires_in = (long)Lifetime.TotalSeconds });
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
