using ModelStore.Stores;

namespace ModelStore.S3;

/// <summary>
/// Creates <see cref="S3StateStore"/>s from declarative settings, as in
/// <c>&lt;ModelStore Include="team" Kind="S3" Bucket="models" BasePath="states" ServiceUrl="http://127.0.0.1:9000" /&gt;</c>.
/// </summary>
/// <remarks>
/// The settings are declared in <see cref="Settings"/> (and listed in docs/stores/s3.md). Credentials never come from
/// settings (they would end up in a project file): they come from the standard AWS chain
/// (<c>AWS_ACCESS_KEY_ID</c>/<c>AWS_SECRET_ACCESS_KEY</c>, <c>AWS_PROFILE</c>, <c>~/.aws/credentials</c>, ...) or the named <c>Profile</c>.
/// </remarks>
public sealed class S3StateStoreProvider : IStateStoreProvider
{
    private const string CredentialHint = "Use the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY environment variables or a shared profile (setting 'Profile').";

    private static readonly StateStoreSettingDescriptor[] Declared =
    [
        new("Bucket", StateStoreSettingType.Text, "The bucket holding the states.") { IsRequired = true },
        new("BasePath", StateStoreSettingType.Text, "The prefix of the layout inside the bucket, such as pretrained-models/.") { DefaultValue = "(none)" },
        new("ServiceUrl", StateStoreSettingType.Url, "An S3-compatible endpoint (MinIO, Ceph, R2...); Amazon S3 when absent."),
        new("Region", StateStoreSettingType.Text, "The region to sign for; from the AWS configuration when absent."),
        new("ForcePathStyle", StateStoreSettingType.Boolean, "Path-style addresses (http://host/bucket/key) instead of virtual-hosted ones.") { DefaultValue = "true when ServiceUrl is set" },
        new("Profile", StateStoreSettingType.Text, "A named profile of the shared AWS credentials file."),
        new("DisableChunkEncoding", StateStoreSettingType.Boolean, "Sends plain signed bodies instead of aws-chunked ones, for servers that store the chunk signatures (implies ChecksumsOnlyWhenRequired).") { DefaultValue = "false" },
        new("ChecksumsOnlyWhenRequired", StateStoreSettingType.Boolean, "Computes and validates checksums only when an operation requires them, for servers that refuse the CRC trailers of AWS SDK v4.") { DefaultValue = "true unless the endpoint is Amazon S3" },
        new("UseConditionalCreate", StateStoreSettingType.Boolean, "Creates keys atomically with If-None-Match: * (servers that honour it, as Amazon S3 does).") { DefaultValue = "false" },
        new("MultipartPartSize", StateStoreSettingType.Bytes, "The part size of multipart uploads.") { DefaultValue = "16777216" },
        new("UploadParallelism", StateStoreSettingType.WholeNumber, "Parts uploaded at once.") { DefaultValue = "4" },
        new("UploadTimeoutSeconds", StateStoreSettingType.Seconds, "The time one upload may take.") { DefaultValue = "600" },
        StateStoreSettingDescriptor.DownloadChunkSize(8 * 1024 * 1024),
        StateStoreSettingDescriptor.DownloadParallelism(8),
        StateStoreSettingDescriptor.RequestTimeoutSeconds(60),
        StateStoreSettingDescriptor.MaxRetries(3),
        .. StateStoreSettingDescriptor.Secrets(CredentialHint, "AccessKey", "AccessKeyId", "SecretKey", "SecretAccessKey", "SessionToken", "Password", "Credentials"),
    ];

    /// <inheritdoc />
    public string Kind => "S3";

    /// <inheritdoc />
    public IReadOnlyList<StateStoreSettingDescriptor> Settings => Declared;

    /// <inheritdoc />
    public IStateStore Create(StateStoreSettings settings) => new S3StateStore(CreateOptions(settings));

    /// <inheritdoc />
    public void Validate(StateStoreSettings settings) => CreateOptions(settings);

    /// <summary>The options a store declared by <paramref name="settings"/> gets.</summary>
    /// <exception cref="ArgumentException">A setting is missing or invalid, or a credential is given as a setting.</exception>
    public static S3StateStoreOptions CreateOptions(StateStoreSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate(Declared);
        var serviceUrl = settings.Get("ServiceUrl");
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
            RequestTimeout = settings.GetSeconds("RequestTimeoutSeconds") ?? defaults.RequestTimeout,
            UploadTimeout = settings.GetSeconds("UploadTimeoutSeconds") ?? defaults.UploadTimeout,
            MaxRetries = settings.GetWholeNumber("MaxRetries", allowZero: true) ?? defaults.MaxRetries,
        };
    }
}
