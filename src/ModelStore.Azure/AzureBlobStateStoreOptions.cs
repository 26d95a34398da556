using Azure.Core;
using Azure.Storage.Blobs;
using ModelStore.Stores;

namespace ModelStore.Azure;

/// <summary>Where an <see cref="AzureBlobStateStore"/> keeps its states and how it talks to the service.</summary>
/// <remarks>
/// <para>The account: <see cref="ServiceUri"/>, else <see cref="AccountName"/> (<c>https://{account}.blob.core.windows.net</c>),
/// else the blob endpoint of the connection string.</para>
/// <para>Credentials, first that applies: <see cref="ConnectionString"/>; the connection string in the environment variable
/// <c>AZURE_STORAGE_CONNECTION_STRING</c> when it is for the same account (or no account is named); <see cref="Credential"/>;
/// Azure.Identity's <c>DefaultAzureCredential</c> (environment, workload identity, managed identity, Azure CLI, ...).</para>
/// </remarks>
public sealed class AzureBlobStateStoreOptions
{
    /// <summary>The environment variable a connection string is read from.</summary>
    public const string ConnectionStringVariable = "AZURE_STORAGE_CONNECTION_STRING";

    private string _basePath = string.Empty;

    /// <summary>The container holding the states. Required.</summary>
    public string Container { get; set; } = string.Empty;

    /// <summary>
    /// The prefix of every blob name, such as <c>pretrained-models/</c>; a missing trailing slash is added, leading
    /// slashes are removed. Empty (the default) puts the backend folders at the container's root.
    /// </summary>
    public string BasePath
    {
        get => _basePath;
        set => _basePath = ObjectStoreLayout.NormalizeBasePath(value);
    }

    /// <summary>
    /// The blob service endpoint, such as <c>https://myaccount.blob.core.windows.net</c> or, for Azurite,
    /// <c>http://127.0.0.1:10000/devstoreaccount1</c>. Without it, <see cref="AccountName"/> or the connection string says.
    /// </summary>
    public string? ServiceUri { get; set; }

    /// <summary>The storage account name, for the public Azure endpoint <c>https://{account}.blob.core.windows.net</c>.</summary>
    public string? AccountName { get; set; }

    /// <summary>
    /// A storage connection string (account key or SAS), <b>code only</b>: settings never take one. When null, the
    /// <c>AZURE_STORAGE_CONNECTION_STRING</c> environment variable is used if it is for the same account. Never logged
    /// nor put in messages.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Whether a connection string from <c>AZURE_STORAGE_CONNECTION_STRING</c> may be used (when <see cref="ConnectionString"/>
    /// is null). True by default; false makes the store use <see cref="Credential"/> or <c>DefaultAzureCredential</c> only.
    /// </summary>
    public bool UseEnvironmentConnectionString { get; set; } = true;

    /// <summary>A token credential (Microsoft Entra ID) to use instead of <c>DefaultAzureCredential</c>, <b>code only</b>.</summary>
    public TokenCredential? Credential { get; set; }

    /// <summary>
    /// The storage service version to send (<c>2026-06-06</c>, for instance), for servers that do not yet speak the newest
    /// one the SDK defaults to (Azurite, Azure Stack Hub). Null for the SDK's default.
    /// </summary>
    public string? ServiceVersion { get; set; }

    /// <summary>Size of each staged block, and the largest state sent in one Put Blob. 8 MiB by default; at least 64 KiB.</summary>
    public int UploadBlockSize { get; set; } = 8 * 1024 * 1024;

    /// <summary>How many blocks are uploaded at once (each holds one block in memory). 4 by default.</summary>
    public int UploadParallelism { get; set; } = 4;

    /// <summary>Size of each ranged read of a parallel download. 8 MiB by default.</summary>
    public int DownloadChunkSize { get; set; } = 8 * 1024 * 1024;

    /// <summary>How many ranged reads run at once in a parallel download. 8 by default.</summary>
    public int DownloadParallelism { get; set; } = 8;

    /// <summary>
    /// The time a request may wait for the service's answer, its retries included, before it fails with <c>Timeout</c>
    /// (the transport policy of every HTTP-based store, <see cref="ModelStore.Downloads.HttpResilience"/>); also the
    /// longest wait for the next bytes of a download. 60 seconds by default, so a silent service fails within about a minute.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How many times a failed request is retried (throttling, server errors, dropped connections), within <see cref="RequestTimeout"/> for reads. 3 by default.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>
    /// Adjusts the SDK's client options before the client is built (a proxy, a custom transport, diagnostics), <b>code
    /// only</b>. Runs after the store has set the retry, timeout and service version options.
    /// </summary>
    public Action<BlobClientOptions>? ConfigureClient { get; set; }

    /// <summary>Blobs asked for per listing page; the service's default (5 000) when null. Tests make it small to see paging.</summary>
    internal int? ListingPageSize { get; set; }
}
