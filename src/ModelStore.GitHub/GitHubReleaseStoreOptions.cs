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

    /// <summary>How long one API call may take before it fails with <see cref="Stores.StateStoreError.Timeout"/> (default 100 s).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>How long an asset upload may take (default 1 hour).</summary>
    public TimeSpan UploadTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The gzip level of uploaded states (default <see cref="CompressionLevel.Optimal"/>).</summary>
    public CompressionLevel CompressionLevel { get; set; } = CompressionLevel.Optimal;

    /// <summary>A copy of these options, so a store is not affected by later changes to the caller's instance.</summary>
    internal GitHubReleaseStoreOptions Clone() => (GitHubReleaseStoreOptions)MemberwiseClone();
}
