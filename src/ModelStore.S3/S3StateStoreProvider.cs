using ModelStore.Stores;

namespace ModelStore.S3;

/// <summary>
/// Creates <see cref="S3StateStore"/>s from declarative settings, as in
/// <c>&lt;ModelStore Include="team" Kind="S3" Bucket="models" BasePath="states" ServiceUrl="http://127.0.0.1:9000" /&gt;</c>.
/// </summary>
/// <remarks>
/// Settings (case-insensitive): <c>Bucket</c> (required), <c>BasePath</c>, <c>ServiceUrl</c>, <c>Region</c>,
/// <c>ForcePathStyle</c> (default: true when <c>ServiceUrl</c> is set), <c>Profile</c>, <c>DisableChunkEncoding</c>,
/// <c>ChecksumsOnlyWhenRequired</c>, <c>UseConditionalCreate</c>, <c>MultipartPartSize</c>, <c>UploadParallelism</c>,
/// <c>DownloadChunkSize</c>, <c>DownloadParallelism</c>, <c>RequestTimeoutSeconds</c>, <c>UploadTimeoutSeconds</c>, <c>MaxRetries</c>.
/// Credentials never come from settings (they would end up in a project file): they come from the standard AWS
/// chain (<c>AWS_ACCESS_KEY_ID</c>/<c>AWS_SECRET_ACCESS_KEY</c>, <c>AWS_PROFILE</c>, <c>~/.aws/credentials</c>, ...)
/// or the named <c>Profile</c>.
/// </remarks>
public sealed class S3StateStoreProvider : IStateStoreProvider
{
    private static readonly string[] ForbiddenSettings = ["AccessKey", "SecretKey", "SecretAccessKey", "AccessKeyId", "SessionToken", "Password", "Credentials"];

    /// <inheritdoc />
    public string Kind => "S3";

    /// <inheritdoc />
    public IStateStore Create(StateStoreSettings settings) => new S3StateStore(CreateOptions(settings));

    /// <inheritdoc />
    public void Validate(StateStoreSettings settings) => CreateOptions(settings);

    /// <summary>The options a store declared by <paramref name="settings"/> gets.</summary>
    /// <exception cref="ArgumentException">A setting is missing or invalid, or a credential is given as a setting.</exception>
    public static S3StateStoreOptions CreateOptions(StateStoreSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var forbidden in ForbiddenSettings)
        {
            if (settings.Get(forbidden) is not null)
            {
                throw new ArgumentException($"Store '{settings.Name}' of kind S3: credentials are never read from settings ('{forbidden}' was given). Use the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY environment variables or a shared profile (setting 'Profile').", nameof(settings));
            }
        }

        var serviceUrl = settings.Get("ServiceUrl");
        if (serviceUrl is not null && (!Uri.TryCreate(serviceUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            throw new ArgumentException($"Store '{settings.Name}' of kind S3: ServiceUrl '{ModelStore.Downloads.UrlRedaction.RedactText(serviceUrl)}' is not an http(s) URL.", nameof(settings));
        }

        var owner = $"Store '{settings.Name}' of kind S3";
        var bucket = settings.GetRequired("Bucket");
        S3BucketNames.Validate(bucket, owner);
        StoreAddressRules.ValidateBasePath(settings.Get("BasePath"), owner);
        var defaults = new S3StateStoreOptions();
        return new S3StateStoreOptions
        {
            Bucket = bucket,
            BasePath = settings.Get("BasePath") ?? string.Empty,
            ServiceUrl = serviceUrl,
            Region = settings.Get("Region"),
            ForcePathStyle = settings.GetBoolean("ForcePathStyle") ?? serviceUrl is not null,
            Profile = settings.Get("Profile"),
            DisableChunkEncoding = settings.GetBoolean("DisableChunkEncoding") ?? false,
            ChecksumsOnlyWhenRequired = settings.GetBoolean("ChecksumsOnlyWhenRequired"),
            UseConditionalCreate = settings.GetBoolean("UseConditionalCreate") ?? false,
            MultipartPartSize = settings.GetWholeNumber("MultipartPartSize") ?? defaults.MultipartPartSize,
            UploadParallelism = settings.GetWholeNumber("UploadParallelism") ?? defaults.UploadParallelism,
            DownloadChunkSize = settings.GetWholeNumber("DownloadChunkSize") ?? defaults.DownloadChunkSize,
            DownloadParallelism = settings.GetWholeNumber("DownloadParallelism") ?? defaults.DownloadParallelism,
            RequestTimeout = settings.GetWholeNumber("RequestTimeoutSeconds") is { } seconds ? TimeSpan.FromSeconds(seconds) : defaults.RequestTimeout,
            UploadTimeout = settings.GetWholeNumber("UploadTimeoutSeconds") is { } uploadSeconds ? TimeSpan.FromSeconds(uploadSeconds) : defaults.UploadTimeout,
            MaxRetries = settings.GetWholeNumber("MaxRetries", allowZero: true) ?? defaults.MaxRetries,
        };
    }
}
