using ModelStore.Downloads;

namespace ModelStore.Oci;

/// <summary>How an <see cref="OciStateStore"/> talks to its registry.</summary>
/// <remarks>
/// Credentials are never options (they would end up in project files): they come from <c>MODELSTORE_OCI_USERNAME</c> and
/// <c>MODELSTORE_OCI_PASSWORD</c>, <c>REGISTRY_AUTH_FILE</c> or docker's <c>config.json</c> (with its credential helpers),
/// read through <see cref="EnvironmentVariables"/>.
/// </remarks>
public sealed class OciStoreOptions
{
    /// <summary>
    /// Talk to the registry over plain <c>http</c> instead of <c>https</c>. Off by default: a registry is insecure only when
    /// declared so. Credentials are sent over plain http only to a loopback address.
    /// </summary>
    public bool Insecure { get; set; }

    /// <summary>
    /// A PEM file of certificate authorities trusted for the registry's TLS (and its token server's) besides the system's,
    /// for a registry with a private or self-signed certificate. <see langword="null"/> (the default): the system's only.
    /// </summary>
    public string? CaCertificateFile { get; set; }

    /// <summary>
    /// Other repositories of the same registry that may already hold a blob being pushed: it is mounted from them
    /// (<c>POST ...?mount=DIGEST&amp;from=REPOSITORY</c>) instead of uploaded again.
    /// </summary>
    public IList<string> MountFrom { get; set; } = [];

    /// <summary>Reads environment variables (credentials, <c>DOCKER_CONFIG</c>, <c>HOME</c>, <c>PATH</c>); the process environment by default.</summary>
    public Func<string, string?> EnvironmentVariables { get; set; } = Environment.GetEnvironmentVariable;

    /// <summary>The longest wait for the headers of one response. 60 s by default.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How many times a <c>GET</c> or <c>HEAD</c> is tried again after a transient failure. 3 by default.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>
    /// The size of one upload request: a blob up to this size is uploaded in one <c>PUT</c>, a larger one in chunks of this
    /// size (<c>PATCH</c>), so an upload holds one chunk in memory whatever the blob's size. 16 MiB by default.
    /// </summary>
    public int UploadChunkSize { get; set; } = 16 * 1024 * 1024;

    /// <summary>Chunking, parallelism, retries and read timeout of blob downloads (<see cref="Stores.IFileDownloadingStore"/>).</summary>
    public ChunkedDownloadOptions Download { get; set; } = ChunkedDownloadOptions.Default;

    /// <summary>How many tags one listing request asks for (the registry may give fewer and a <c>Link</c> to the next page).</summary>
    internal int TagPageSize { get; set; } = 1000;

    /// <summary>A copy, so that a store never sees later changes of the caller's instance.</summary>
    internal OciStoreOptions Clone()
    {
        var copy = (OciStoreOptions)MemberwiseClone();
        copy.MountFrom = [.. MountFrom];
        return copy;
    }

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(EnvironmentVariables, "options.EnvironmentVariables");
        ArgumentNullException.ThrowIfNull(Download, "options.Download");
        ArgumentNullException.ThrowIfNull(MountFrom, "options.MountFrom");
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RequestTimeout, TimeSpan.Zero, "options.RequestTimeout");
        ArgumentOutOfRangeException.ThrowIfNegative(MaxRetries, "options.MaxRetries");
        ArgumentOutOfRangeException.ThrowIfLessThan(UploadChunkSize, 64 * 1024, "options.UploadChunkSize");
        Download.Validate();
        foreach (var repository in MountFrom)
        {
            OciNames.ValidateRepository(repository, "options.MountFrom");
        }

        if (CaCertificateFile is not null && !File.Exists(CaCertificateFile))
        {
            throw new ArgumentException($"The CA certificate file '{CaCertificateFile}' does not exist.", "options.CaCertificateFile");
        }
    }
}
