using System.IO.Compression;

namespace ModelStore.GitHub;

/// <summary>Options of a <see cref="GitHubReleaseStore"/>. Every property has a working default.</summary>
public sealed class GitHubReleaseStoreOptions
{
    /// <summary>The public address of github.com.</summary>
    public static readonly Uri GitHubDotCom = new("https://github.com/");

    /// <summary>
    /// The web address of the GitHub instance: <c>https://github.com/</c> (the default) or a GitHub Enterprise
    /// server such as <c>https://ghe.example.com/</c>. The API is reached at <c>https://api.github.com/</c> for
    /// github.com and at <c>{BaseAddress}api/v3/</c> otherwise; assets are downloaded from
    /// <c>{BaseAddress}{owner}/{repository}/releases/download/{tag}/{asset}</c>.
    /// </summary>
    public Uri BaseAddress { get; set; } = GitHubDotCom;

    /// <summary>
    /// The largest decompressed state accepted when reading (default 16 GiB). A larger one — a gzip bomb, say —
    /// fails with <see cref="Stores.StateStoreError.InvalidContent"/> as soon as the limit is crossed.
    /// </summary>
    public long MaxDecompressedSize { get; set; } = 16L * 1024 * 1024 * 1024;

    /// <summary>
    /// Reads an environment variable (default <see cref="Environment.GetEnvironmentVariable(string)"/>).
    /// Credentials come from <c>GH_API_BASIC_AUTH</c> (<c>user:token</c>), else <c>GH_TOKEN</c>, else
    /// <c>GITHUB_TOKEN</c>; tests inject a dictionary here instead of changing the process environment.
    /// </summary>
    public Func<string, string?> EnvironmentVariables { get; set; } = Environment.GetEnvironmentVariable;

    /// <summary>
    /// A folder where API responses and their ETags are kept between runs (optional; in memory only when
    /// <see langword="null"/>). A later listing then sends <c>If-None-Match</c> and a <c>304</c> answer costs nothing.
    /// </summary>
    public string? ResponseCacheDirectory { get; set; }

    /// <summary>
    /// How long one API call or download request may wait for GitHub's answer, its retries included, before it fails
    /// with <see cref="Stores.StateStoreError.Timeout"/>; during a download it also bounds each wait for the next bytes
    /// (default 60 s). A server that accepts connections and never answers fails after this.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How many times an API read or a download request is tried again after a transient failure (a reset or refused
    /// connection, HTTP 5xx), with exponential backoff, and a download chunk continued after a cut (default 3; 0 disables
    /// retries). Uploads are never retried. A spent rate limit is reported, not waited out.
    /// </summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The size of each ranged read of an asset download, and the unit of resumption (default 8 MiB; at least 64 KiB).</summary>
    public int DownloadChunkSize { get; set; } = 8 * 1024 * 1024;

    /// <summary>How many ranged reads of an asset download run at once (default 4).</summary>
    public int DownloadParallelism { get; set; } = 4;

    /// <summary>How long an asset upload may take (default 1 hour).</summary>
    public TimeSpan UploadTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The gzip level of uploaded states (default <see cref="CompressionLevel.Optimal"/>).</summary>
    public CompressionLevel CompressionLevel { get; set; } = CompressionLevel.Optimal;

    /// <summary>A copy of these options, so a store is not affected by later changes to the caller's instance.</summary>
    internal GitHubReleaseStoreOptions Clone() => (GitHubReleaseStoreOptions)MemberwiseClone();
}
