using ModelStore.Downloads;

namespace ModelStore.HuggingFace;

/// <summary>Where a <see cref="HuggingFaceStateStore"/> reads and how it talks to the Hub.</summary>
/// <remarks>
/// The access token is never an option (it would end up in a project file): it comes from <c>HF_TOKEN</c>, else
/// <c>HUGGING_FACE_HUB_TOKEN</c>, else the token file <c>hf auth login</c> writes, read through <see cref="EnvironmentVariables"/>.
/// </remarks>
public sealed class HuggingFaceStoreOptions
{
    /// <summary>The public Hub, used when neither <see cref="Endpoint"/> nor <c>HF_ENDPOINT</c> is set.</summary>
    public static readonly Uri DefaultEndpoint = new("https://huggingface.co/");

    /// <summary>
    /// The Hub's address (a mirror or a self-hosted Hub); when <see langword="null"/>, <c>HF_ENDPOINT</c> from
    /// <see cref="EnvironmentVariables"/>, else <see cref="DefaultEndpoint"/>.
    /// </summary>
    public Uri? Endpoint { get; set; }

    /// <summary>The kind of repository: a model (the default) or a dataset.</summary>
    public HuggingFaceRepoType RepoType { get; set; } = HuggingFaceRepoType.Model;

    /// <summary>The revision read: a branch, a tag or a commit id. <c>main</c> by default.</summary>
    public string Revision { get; set; } = "main";

    /// <summary>
    /// The folder of the MoZuMa layout inside the repository, such as <c>states/</c>; empty (the default) puts the
    /// backend folders at the repository's root. Leading slashes are removed and a trailing one added.
    /// </summary>
    public string BasePath { get; set; } = string.Empty;

    /// <summary>Reads environment variables (<c>HF_TOKEN</c>, <c>HF_ENDPOINT</c>, ...); the process environment by default.</summary>
    public Func<string, string?> EnvironmentVariables { get; set; } = Environment.GetEnvironmentVariable;

    /// <summary>The longest wait for the headers of one response (the metadata, a listing page, the start of a download). 60 s by default.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How many times a metadata or listing request is tried again after a transient failure (unreachable, timeout, 5xx, a short rate limit). 3 by default.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The wait before the first retry of a request; it doubles at each following one. 500 ms by default.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// The longest rate-limit wait a request sits out before it retries; a limit that resets later is reported at once
    /// (<see cref="Stores.StateStoreError.RateLimited"/> with the time to wait). 10 s by default.
    /// </summary>
    public TimeSpan MaxRateLimitWait { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Chunking, parallelism, retries and read timeout of file downloads (<see cref="Stores.IFileDownloadingStore"/>).</summary>
    public ChunkedDownloadOptions Download { get; set; } = ChunkedDownloadOptions.Default;

    /// <summary>
    /// huggingface_hub's cache folder (<see cref="HuggingFaceHubCache"/>), shared with Python and <c>@huggingface/hub</c>;
    /// when <see langword="null"/>, <c>HF_HUB_CACHE</c>, else <c>$HF_HOME/hub</c>, else <c>~/.cache/huggingface/hub</c>
    /// (read through <see cref="EnvironmentVariables"/>).
    /// </summary>
    public string? HubCacheFolder { get; set; }

    /// <summary>
    /// Whether a file is taken from huggingface_hub's cache, with no bytes downloaded, when the cache holds it with the
    /// content id the Hub gives for it (its LFS SHA-256 or Git blob SHA-1; the bytes are hashed, never trusted by name).
    /// True by default.
    /// </summary>
    public bool ReadHubCache { get; set; } = true;

    /// <summary>
    /// Whether downloaded files are also written into huggingface_hub's cache layout (<c>blobs/</c>,
    /// <c>snapshots/{commit}/</c>, <c>refs/{branch}</c>) so Python and <c>@huggingface/hub</c> find them. False by default.
    /// </summary>
    public bool ShareHubCache { get; set; }

    /// <summary>A copy, so that a store never sees later changes of the caller's instance.</summary>
    internal HuggingFaceStoreOptions Clone() => (HuggingFaceStoreOptions)MemberwiseClone();
}
