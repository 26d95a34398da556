using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ModelStore.Testing;

/// <summary>
/// A managed identity token endpoint as Azure App Service runs one beside an app (Kestrel on 127.0.0.1, a free port),
/// speaking its documented protocol: <c>GET {IDENTITY_ENDPOINT}?resource=...&amp;api-version=2019-08-01</c> with the
/// <c>X-IDENTITY-HEADER</c> secret, answered with <c>access_token</c>, <c>expires_on</c>, <c>resource</c> and
/// <c>token_type</c>. Azure.Identity's <c>DefaultAzureCredential</c> uses it when <c>IDENTITY_ENDPOINT</c> and
/// <c>IDENTITY_HEADER</c> are set (<see cref="EnvironmentVariables"/>), so the token path of a store runs end to end
/// on this machine, and never reaches a metadata address off the loopback. Tokens are unsigned JWTs with a Microsoft
/// Entra issuer, the audience asked for and an hour's lifetime (what Azurite's basic OAuth check reads).
/// </summary>
public sealed class ManagedIdentityEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ManagedIdentityEndpoint(WebApplication app) => _app = app;

    /// <summary>The token endpoint, <c>http://127.0.0.1:PORT/msi/token</c>.</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>The secret a client must send in <c>X-IDENTITY-HEADER</c>.</summary>
    public string Secret { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>The resources tokens were issued for, in order.</summary>
    public ConcurrentQueue<string> Issued { get; } = new();

    /// <summary>When set, every request is refused as App Service refuses an app without an identity.</summary>
    public bool Refuse { get; set; }

    /// <summary>The variables that point Azure.Identity's managed identity credential here.</summary>
    public IReadOnlyDictionary<string, string> EnvironmentVariables => new Dictionary<string, string>
    {
        ["IDENTITY_ENDPOINT"] = Address.AbsoluteUri,
        ["IDENTITY_HEADER"] = Secret,
    };

    /// <summary>Starts an endpoint.</summary>
    public static async Task<ManagedIdentityEndpoint> StartAsync()
    {
        ManagedIdentityEndpoint endpoint = null!;
        var (app, address) = await LoopbackHttp.StartAsync(context => endpoint.ServeAsync(context));
        endpoint = new ManagedIdentityEndpoint(app) { Address = new Uri(address, "msi/token") };
        return endpoint;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task ServeAsync(HttpContext context)
    {
        var request = context.Request;
        var resource = request.Query["resource"].ToString();
        if (request.Path != "/msi/token" || request.Method != "GET")
        {
            context.Response.StatusCode = 404;
            return;
        }

        if (request.Headers["X-IDENTITY-HEADER"] != Secret)
        {
            await ErrorAsync(context, 401, "unauthorized", "The X-IDENTITY-HEADER is missing or wrong.");
            return;
        }

        if (Refuse || resource.Length == 0 || request.Query["api-version"].ToString().Length == 0)
        {
            await ErrorAsync(context, 400, "invalid_request", Refuse ? "No managed identity is assigned to this app." : "resource and api-version are required.");
            return;
        }

        Issued.Enqueue(resource);
        var now = DateTimeOffset.UtcNow;
        var claims = new Dictionary<string, object>
        {
            ["aud"] = resource.EndsWith("/.default", StringComparison.Ordinal) ? resource[..^"/.default".Length] : resource,
            ["iss"] = "https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/",
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = now.AddMinutes(-5).ToUnixTimeSeconds(),
            ["exp"] = now.AddHours(1).ToUnixTimeSeconds(),
            ["oid"] = Guid.NewGuid().ToString(),
            ["tid"] = "72f988bf-86f1-41af-91ab-2d7cd011db47",
        };
        var token = $"{Base64Url("{\"alg\":\"RS256\",\"typ\":\"JWT\"}")}.{Base64Url(JsonSerializer.Serialize(claims))}.{Base64Url("unsigned")}";
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["access_token"] = token,
            ["expires_on"] = now.AddHours(1).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            ["resource"] = resource,
            ["token_type"] = "Bearer",
            ["client_id"] = "00000000-0000-0000-0000-00000000c0de",
        }));
    }

    private static async Task ErrorAsync(HttpContext context, int status, string error, string description)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, string> { ["error"] = error, ["error_description"] = description }));
    }

    private static string Base64Url(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
