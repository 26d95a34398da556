using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelStore.Downloads;
using ModelStore.Stores;

namespace ModelStore.Oci.Registry;

/// <summary>
/// Authenticates requests to one registry as docker does: a request goes out with the authorization last obtained for
/// its repository and access (pull, or pull and push); on <c>401</c> the <c>WWW-Authenticate</c> challenge says how:
/// <c>Basic</c> (the credentials themselves) or <c>Bearer realm=...,service=...,scope=...</c> (a token from the realm,
/// asked for with the credentials, or anonymously without), and the request is sent once more with it. Tokens are kept
/// per scope until they expire.
/// </summary>
/// <remarks>
/// Credentials and tokens go only to the configured registry (its scheme, host and port; a redirect to a storage host
/// drops them, as <see cref="SocketsHttpHandler"/> removes <c>Authorization</c> on redirects) and to the token realm it
/// names, and never in clear text: over plain http only to a loopback host. Nothing secret reaches a message.
/// </remarks>
internal sealed class RegistryAuthHandler : DelegatingHandler
{
    private const int MaxTokenResponse = 64 * 1024;

    private readonly Uri _registry;
    private readonly Lazy<RegistryCredential?> _credential;
    private readonly Dictionary<string, (AuthenticationHeaderValue Header, DateTimeOffset Expires)> _byAccess = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);

    public RegistryAuthHandler(Uri registry, Func<RegistryCredential?> credential, HttpMessageHandler inner)
        : base(inner)
    {
        _registry = registry;
        _credential = new Lazy<RegistryCredential?>(credential, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Where the credentials came from, for messages (never the secret): <c>anonymous</c> or the source.</summary>
    public string DescribeCredentials() => _credential.Value switch
    {
        null => "anonymous (no credentials found)",
        var credential when !MayCarryCredentials(_registry) => $"anonymous: the credentials of user '{credential.Username}' from {credential.Source} are withheld, as they are never sent over plain http to a host other than loopback (use https)",
        var credential => $"user '{credential.Username}' from {credential.Source}",
    };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!IsRegistry(request.RequestUri))
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var access = AccessOf(request);
        if (Cached(access) is { } cached)
        {
            request.Headers.Authorization = cached;
        }

        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized || !CanResend(request))
        {
            return response;
        }

        var challenge = response.Headers.WwwAuthenticate.FirstOrDefault(value => value.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
            ?? response.Headers.WwwAuthenticate.FirstOrDefault(value => value.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase));
        if (challenge is null)
        {
            return response;
        }

        var header = await AuthorizeAsync(challenge, cancellationToken).ConfigureAwait(false);
        if (header is null)
        {
            return response; // Nothing more to offer: the 401 stands (the store says how to give credentials).
        }

        response.Dispose();
        request.Headers.Authorization = header.Value.Header;
        lock (_byAccess)
        {
            _byAccess[access] = header.Value;
        }

        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _gate.Dispose();
        }

        base.Dispose(disposing);
    }

    private bool IsRegistry(Uri? uri) => uri is not null
        && string.Equals(uri.Scheme, _registry.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(uri.Authority, _registry.Authority, StringComparison.OrdinalIgnoreCase);

    // The repository and whether the request writes: /v2/<name>/(manifests|blobs|tags)/...; a mount reads its source too.
    private static string AccessOf(HttpRequestMessage request)
    {
        var path = request.RequestUri!.AbsolutePath;
        var name = path;
        foreach (var marker in (string[])["/manifests/", "/blobs/", "/tags/"])
        {
            var at = path.IndexOf(marker, StringComparison.Ordinal);
            if (at > 0)
            {
                name = path[..at];
                break;
            }
        }

        var write = request.Method != HttpMethod.Get && request.Method != HttpMethod.Head;
        return $"{name}|{(write ? "push" : "pull")}|{request.RequestUri.Query.Contains("mount=", StringComparison.Ordinal)}";
    }

    private AuthenticationHeaderValue? Cached(string access)
    {
        lock (_byAccess)
        {
            if (_byAccess.TryGetValue(access, out var entry) && entry.Expires > DateTimeOffset.UtcNow)
            {
                return entry.Header;
            }

            _byAccess.Remove(access);
            return null;
        }
    }

    // A body already sent cannot be sent again unless it is buffered (the uploads send buffered chunks).
    private static bool CanResend(HttpRequestMessage request) => request.Content is null or ByteArrayContent;

    private async Task<(AuthenticationHeaderValue Header, DateTimeOffset Expires)?> AuthorizeAsync(AuthenticationHeaderValue challenge, CancellationToken cancellationToken)
    {
        var credential = _credential.Value;
        if (challenge.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            return credential is not null && MayCarryCredentials(_registry)
                ? (Basic(credential), DateTimeOffset.MaxValue)
                : null;
        }

        var parameters = ParseChallenge(challenge.Parameter ?? "");
        if (!parameters.TryGetValue("realm", out var realmText) || !Uri.TryCreate(realmText, UriKind.Absolute, out var realm)
            || (realm.Scheme != Uri.UriSchemeHttps && realm.Scheme != Uri.UriSchemeHttp) || realm.UserInfo.Length > 0)
        {
            throw new StateStoreException(StateStoreError.AccessDenied, $"The registry {_registry.Authority} asks for a token from a realm that is not an http(s) address ('{OciNames.Clip(realmText)}').");
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await FetchTokenAsync(realm, parameters, credential, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<(AuthenticationHeaderValue Header, DateTimeOffset Expires)?> FetchTokenAsync(Uri realm, Dictionary<string, string> parameters, RegistryCredential? credential, CancellationToken cancellationToken)
    {
        var query = new StringBuilder(realm.Query.TrimStart('?'));
        foreach (var name in (string[])["service", "scope"])
        {
            if (!parameters.TryGetValue(name, out var value))
            {
                continue;
            }

            // Several scopes are space-separated in one challenge; each is its own parameter in the token request.
            foreach (var part in name == "scope" ? value.Split(' ', StringSplitOptions.RemoveEmptyEntries) : [value])
            {
                query.Append(query.Length == 0 ? "" : "&").Append(name).Append('=').Append(Uri.EscapeDataString(part));
            }
        }

        var address = new UriBuilder(realm) { Query = query.ToString() }.Uri;
        using var request = new HttpRequestMessage(HttpMethod.Get, address);
        if (credential is not null && MayCarryCredentials(realm))
        {
            request.Headers.Authorization = Basic(credential);
        }

        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (HttpStateErrors.IsTranslatable(e, cancellationToken))
        {
            throw HttpStateErrors.FromException(e, $"token request to {realm.GetLeftPart(UriPartial.Path)} for registry {_registry.Authority}");
        }

        using (response)
        {
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                return null; // Credentials refused (or none): the registry's own 401 is the answer the store reports.
            }

            if (HttpStateErrors.FromStatus(response, $"token request to {realm.GetLeftPart(UriPartial.Path)} for registry {_registry.Authority}") is { } error)
            {
                throw error;
            }

            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            if (body.Length > MaxTokenResponse)
            {
                throw new StateStoreException(StateStoreError.InvalidContent, $"The token server {realm.GetLeftPart(UriPartial.Path)} answered with more than {MaxTokenResponse} bytes.");
            }

            string? token;
            long expiresIn;
            try
            {
                var json = JsonNode.Parse(body) as JsonObject;
                token = json?["token"]?.GetValue<string>() is { Length: > 0 } t ? t : json?["access_token"]?.GetValue<string>();
                expiresIn = json?["expires_in"]?.GetValue<long>() ?? 60;
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
            {
                throw new StateStoreException(StateStoreError.InvalidContent, $"The token server {realm.GetLeftPart(UriPartial.Path)} answered with malformed JSON.", null, e);
            }

            if (string.IsNullOrEmpty(token) || token.Any(c => c <= ' ' || c > '~'))
            {
                throw new StateStoreException(StateStoreError.InvalidContent, $"The token server {realm.GetLeftPart(UriPartial.Path)} gave no usable token.");
            }

            // The spec's minimum lifetime is 60 s; renew a little early so a request never carries a token about to expire.
            var lifetime = TimeSpan.FromSeconds(Math.Clamp(expiresIn, 60, 24 * 3600)) - TimeSpan.FromSeconds(10);
            return (new AuthenticationHeaderValue("Bearer", token), DateTimeOffset.UtcNow + lifetime);
        }
    }

    // Never in clear text to another machine: https, or plain http on the loopback interface only.
    internal static bool MayCarryCredentials(Uri uri) => uri.Scheme == Uri.UriSchemeHttps || uri.IsLoopback;

    private static AuthenticationHeaderValue Basic(RegistryCredential credential) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credential.Username}:{credential.Password}")));

    /// <summary>The parameters of a challenge: <c>realm="...",service="...",scope="..."</c> (quoted values may hold commas).</summary>
    internal static Dictionary<string, string> ParseChallenge(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && (text[i] == ',' || char.IsWhiteSpace(text[i])))
            {
                i++;
            }

            var equals = text.IndexOf('=', i);
            if (equals < 0)
            {
                break;
            }

            var name = text[i..equals].Trim();
            i = equals + 1;
            var value = new StringBuilder();
            if (i < text.Length && text[i] == '"')
            {
                i++;
                while (i < text.Length && text[i] != '"')
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        i++;
                    }

                    value.Append(text[i++]);
                }

                i++;
            }
            else
            {
                while (i < text.Length && text[i] != ',')
                {
                    value.Append(text[i++]);
                }
            }

            result[name] = value.ToString().Trim();
        }

        return result;
    }
}
