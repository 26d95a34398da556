using System.Net;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Azure.Storage.Blobs;
using ModelStore.Downloads;

namespace ModelStore.Azure;

/// <summary>
/// The container client an <see cref="AzureBlobStateStore"/> uses, with what messages may say about it: the endpoint
/// (never a SAS) and how to fix refused credentials. Built from the options in one place, so that the choice of
/// credentials is the same for code, project files and the command line. A connection string is registered with
/// <see cref="Diagnostics.SecretScrubber"/> (the string, its account key and SAS), so no message shows them.
/// </summary>
internal sealed class AzureBlobConnection
{
    private AzureBlobConnection(BlobContainerClient container, string endpoint, string credentialHint)
    {
        Container = container;
        Endpoint = endpoint;
        CredentialHint = credentialHint;
    }

    /// <summary>The client of the store's container.</summary>
    public BlobContainerClient Container { get; }

    /// <summary>The blob service endpoint, without query or trailing slash (<c>https://account.blob.core.windows.net</c>).</summary>
    public string Endpoint { get; }

    /// <summary>What to check when the service refuses the credentials.</summary>
    public string CredentialHint { get; }

    /// <summary>Chooses the endpoint and the credentials (see <see cref="AzureBlobStateStoreOptions"/>) and builds the client; no request is made.</summary>
    /// <exception cref="ArgumentException">No account is named, a connection string is malformed or for another account, or a token would go over plain HTTP.</exception>
    public static AzureBlobConnection Create(AzureBlobStateStoreOptions options)
    {
        var clientOptions = CreateClientOptions(options);
        var named = NamedEndpoint(options);
        var fromEnvironment = options.ConnectionString is null && options.UseEnvironmentConnectionString
            ? Environment.GetEnvironmentVariable(AzureBlobStateStoreOptions.ConnectionStringVariable)
            : null;
        var connectionString = string.IsNullOrWhiteSpace(options.ConnectionString) ? fromEnvironment : options.ConnectionString;
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            var source = options.ConnectionString is null ? $"the {AzureBlobStateStoreOptions.ConnectionStringVariable} environment variable" : "the connection string option";
            var service = ParseConnectionString(connectionString, clientOptions, source);
            var endpoint = WithoutQuery(service.Uri);
            if (named is null || SameEndpoint(named, endpoint))
            {
                var hint = $"The credentials came from {source}: check its AccountKey or SharedAccessSignature, and that it is for account '{service.AccountName}'.";
                Diagnostics.SecretScrubber.Register(connectionString);
                return new AzureBlobConnection(service.GetBlobContainerClient(options.Container), endpoint, hint);
            }

            if (options.ConnectionString is not null)
            {
                throw new ArgumentException($"The connection string is for {endpoint}, but the store names {named}. Name one account only.", nameof(options));
            }

            // The environment's connection string is for another account: this store authenticates with a token instead.
        }

        if (named is null)
        {
            throw new ArgumentException($"An Azure Blob store needs its account: set ServiceUri (https://ACCOUNT.blob.core.windows.net) or AccountName, or give a connection string in {AzureBlobStateStoreOptions.ConnectionStringVariable}.", nameof(options));
        }

        var uri = new Uri(named);
        if (uri.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException($"The service URI {named} is not https: a Microsoft Entra token is never sent over plain HTTP. Use https, or (for an emulator) a connection string in {AzureBlobStateStoreOptions.ConnectionStringVariable}.", nameof(options));
        }

        var credential = options.Credential ?? new DefaultAzureCredential();
        var credentialHint = options.Credential is null
            ? $"The token came from DefaultAzureCredential (AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET, workload or managed identity, az login, ...): check that identity has a Storage Blob Data role on the account, or set {AzureBlobStateStoreOptions.ConnectionStringVariable}."
            : "The token came from the store's Credential: check that identity has a Storage Blob Data role on the account.";
        var client = new BlobServiceClient(uri, credential, clientOptions);
        return new AzureBlobConnection(client.GetBlobContainerClient(options.Container), named, credentialHint);
    }

    // The transport policy of every HTTP-based store (HttpResilience): a read (GET, HEAD) gets its answer within
    // RequestTimeout, its retries included, so a silent service fails as fast as any other store. The SDK's own retries
    // are left to what that policy does not retry: uploads, whose bodies the SDK knows how to send again.
    private static BlobClientOptions CreateClientOptions(AzureBlobStateStoreOptions options)
    {
        var clientOptions = options.ServiceVersion is { } version ? new BlobClientOptions(ParseServiceVersion(version)) : new BlobClientOptions();
        var resilience = new HttpResilienceOptions { RequestTimeout = options.RequestTimeout, MaxRetries = options.MaxRetries };
        var handler = HttpResilience.CreateHandler(
            new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.None,
                ConnectTimeout = TimeSpan.FromSeconds(30),
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            },
            resilience);
        clientOptions.Transport = new HttpClientTransport(new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan });
        clientOptions.Retry.NetworkTimeout = options.RequestTimeout;
        clientOptions.Retry.Mode = RetryMode.Exponential;
        clientOptions.RetryPolicy = new WritesOnlyRetryPolicy(options.MaxRetries);
        options.ConfigureClient?.Invoke(clientOptions);
        return clientOptions;
    }

    /// <summary>
    /// The storage API version the store's requests carry (<c>x-ms-version</c>): the pinned <c>ServiceVersion</c>, else
    /// the SDK's default, in the service's spelling (<c>2026-06-06</c>).
    /// </summary>
    public static string SentServiceVersion(AzureBlobStateStoreOptions options) =>
        options.ServiceVersion?.Trim() ?? new BlobClientOptions().Version.ToString()[1..].Replace('_', '-');

    private static BlobClientOptions.ServiceVersion ParseServiceVersion(string version)
    {
        var name = "V" + version.Trim().Replace('-', '_');
        if (Enum.TryParse<BlobClientOptions.ServiceVersion>(name, ignoreCase: false, out var parsed) && Enum.IsDefined(parsed))
        {
            return parsed;
        }

        var known = Enum.GetNames<BlobClientOptions.ServiceVersion>().Select(known => known[1..].Replace('_', '-'));
        throw new ArgumentException($"The storage service version '{version}' is not one this SDK speaks. Known versions: {string.Join(", ", known)}.", nameof(version));
    }

    // The account the settings name, as an endpoint without trailing slash; null when they name none.
    private static string? NamedEndpoint(AzureBlobStateStoreOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.ServiceUri))
        {
            return WithoutQuery(new Uri(options.ServiceUri));
        }

        return string.IsNullOrWhiteSpace(options.AccountName) ? null : $"https://{options.AccountName.Trim()}.blob.core.windows.net";
    }

    private static BlobServiceClient ParseConnectionString(string connectionString, BlobClientOptions clientOptions, string source)
    {
        try
        {
            return new BlobServiceClient(connectionString, clientOptions);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            // The SDK's text may quote the connection string: only say where it came from.
            throw new ArgumentException($"The Azure Storage connection string from {source} is not valid (expected AccountName=...;AccountKey=... or BlobEndpoint=...;SharedAccessSignature=...).");
        }
    }

    private static string WithoutQuery(Uri uri) => uri.GetLeftPart(UriPartial.Path).TrimEnd('/');

    private static bool SameEndpoint(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}

/// <summary>The SDK's retries for the requests <see cref="HttpResilience"/> does not retry (uploads); reads are retried there, within their bound.</summary>
internal sealed class WritesOnlyRetryPolicy(int maxRetries) : RetryPolicy(maxRetries, DelayStrategy.CreateExponentialDelayStrategy())
{
    protected override bool ShouldRetry(HttpMessage message, Exception? exception) =>
        !IsRead(message) && base.ShouldRetry(message, exception);

    protected override async ValueTask<bool> ShouldRetryAsync(HttpMessage message, Exception? exception) =>
        !IsRead(message) && await base.ShouldRetryAsync(message, exception).ConfigureAwait(false);

    private static bool IsRead(HttpMessage message) => message.Request.Method == RequestMethod.Get || message.Request.Method == RequestMethod.Head;
}
