namespace ModelStore.S3;

/// <summary>Where an <see cref="S3StateStore"/> keeps its states and how it talks to the server.</summary>
/// <remarks>
/// Credentials: <see cref="AccessKey"/> and <see cref="SecretKey"/> when both are given, otherwise the named
/// <see cref="Profile"/>, otherwise the standard AWS chain (environment variables <c>AWS_ACCESS_KEY_ID</c> /
/// <c>AWS_SECRET_ACCESS_KEY</c>, the shared <c>~/.aws/credentials</c> profile, instance roles...).
/// </remarks>
public sealed class S3StateStoreOptions
{
    private string _basePath = string.Empty;

    /// <summary>The bucket holding the states. Required.</summary>
    public string Bucket { get; set; } = string.Empty;

    /// <summary>
    /// The prefix of every object name, such as <c>pretrained-models/</c>; a missing trailing slash is added,
    /// leading slashes are removed. Empty (the default) puts the backend folders at the bucket's root.
    /// </summary>
    public string BasePath
    {
        get => _basePath;
        set => _basePath = NormalizeBasePath(value);
    }

    /// <summary>
    /// The endpoint of an S3-compatible server (for example <c>http://127.0.0.1:9000</c>); <see langword="null"/>
    /// for Amazon S3 in <see cref="Region"/>.
    /// </summary>
    public string? ServiceUrl { get; set; }

    /// <summary>
    /// The region: the Amazon S3 region to use, or the signing region of a <see cref="ServiceUrl"/>
    /// (<c>us-east-1</c> when not given).
    /// </summary>
    public string? Region { get; set; }

    /// <summary>Addresses the bucket in the path (<c>http://host/bucket/key</c>) rather than in the host name; most self-hosted servers need it.</summary>
    public bool ForcePathStyle { get; set; }

    /// <summary>The access key id of explicit credentials (used with <see cref="SecretKey"/>).</summary>
    public string? AccessKey { get; set; }

    /// <summary>The secret key of explicit credentials. Never logged nor put in messages.</summary>
    public string? SecretKey { get; set; }

    /// <summary>The session token of explicit temporary credentials, if any. Never logged nor put in messages.</summary>
    public string? SessionToken { get; set; }

    /// <summary>A profile of the shared AWS configuration files to take credentials from, instead of the default chain.</summary>
    public string? Profile { get; set; }

    /// <summary>
    /// For servers that cannot take AWS SDK v4's <c>aws-chunked</c> uploads (s3rver and many other S3-compatible
    /// servers store the chunk signatures inside the object): sends plain signed bodies
    /// (<c>UseChunkEncoding = false</c> on PUT and UploadPart) and computes and validates checksums only when an
    /// operation requires them (implies <see cref="ChecksumsOnlyWhenRequired"/>).
    /// </summary>
    public bool DisableChunkEncoding { get; set; }

    /// <summary>
    /// Sets the client's <c>RequestChecksumCalculation</c> and <c>ResponseChecksumValidation</c> to
    /// <c>WHEN_REQUIRED</c>, for servers that do not understand the CRC trailers AWS SDK v4 adds by default
    /// (Ceph radosgw before Squid, MinIO releases before 2025, and other S3-compatible servers answer them with
    /// <c>XAmzContentSHA256Mismatch</c> or <c>BadDigest</c>). <see langword="null"/> (the default) decides by the endpoint:
    /// true for a <see cref="ServiceUrl"/> that is not Amazon S3's, false for Amazon S3.
    /// </summary>
    public bool? ChecksumsOnlyWhenRequired { get; set; }

    /// <summary>Whether checksums are sent only when required: <see cref="ChecksumsOnlyWhenRequired"/>, or decided by the endpoint.</summary>
    internal bool SendsChecksumsOnlyWhenRequired => DisableChunkEncoding || (ChecksumsOnlyWhenRequired ?? !IsAmazonEndpoint(ServiceUrl));

    /// <summary>
    /// Whether the server honours <c>If-None-Match: *</c> on PUT (Amazon S3 does since 2024): creating a key then
    /// fails atomically when another writer got there first. Without it, existence is checked before writing,
    /// and two concurrent creators may both succeed (the last one wins). Some servers honour the header on a single
    /// PUT but not when completing a multipart upload (Ceph radosgw Pacific): there creation is atomic for states up to
    /// <see cref="MultipartPartSize"/>.
    /// </summary>
    public bool UseConditionalCreate { get; set; }

    /// <summary>Size of each part of a multipart upload, and the largest state sent in one PUT. 16 MiB by default; at least 5 MiB.</summary>
    public int MultipartPartSize { get; set; } = 16 * 1024 * 1024;

    /// <summary>How many parts are uploaded at once (each holds one part in memory). 4 by default.</summary>
    public int UploadParallelism { get; set; } = 4;

    /// <summary>Size of each ranged GET of a parallel download. 8 MiB by default.</summary>
    public int DownloadChunkSize { get; set; } = 8 * 1024 * 1024;

    /// <summary>How many ranged GETs run at once in a parallel download. 8 by default.</summary>
    public int DownloadParallelism { get; set; } = 8;

    /// <summary>
    /// The longest a request (a listing, a <c>HEAD</c>, one ranged <c>GET</c> of a download) may wait for the server, its
    /// retries included, before it fails with <c>Timeout</c>; during a download it also bounds each wait for the next
    /// bytes. A server that accepts connections and never answers fails after this. 60 seconds by default.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The longest one upload request (a <c>PUT</c> of a state up to <see cref="MultipartPartSize"/>, or one part) may
    /// take, body included, before it fails with <c>Timeout</c>. 10 minutes by default.
    /// </summary>
    public TimeSpan UploadTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How many times a failed request is retried (throttling, server errors, dropped connections) by the SDK, and a
    /// download chunk by the downloader. 3 by default; 0 disables retries.
    /// </summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>Whether <paramref name="serviceUrl"/> is Amazon S3's own endpoint (no URL means Amazon S3).</summary>
    internal static bool IsAmazonEndpoint(string? serviceUrl) =>
        serviceUrl is null
        || (Uri.TryCreate(serviceUrl, UriKind.Absolute, out var uri)
            && (uri.Host.EndsWith(".amazonaws.com", StringComparison.OrdinalIgnoreCase) || uri.Host.EndsWith(".amazonaws.com.cn", StringComparison.OrdinalIgnoreCase)));

    /// <summary>Turns a user-written base path into the prefix form: no leading slash, one trailing slash, or empty.</summary>
    public static string NormalizeBasePath(string? basePath) => Stores.ObjectStoreLayout.NormalizeBasePath(basePath);
}
