using ModelStore.Stores;

namespace ModelStore.Azure;

/// <summary>
/// Creates <see cref="AzureBlobStateStore"/>s from declarative settings, as in
/// <c>&lt;ModelStore Include="team" Kind="AzureBlob" Container="models" BasePath="states" AccountName="myaccount" /&gt;</c>.
/// </summary>
/// <remarks>
/// The settings are declared in <see cref="Settings"/> (and listed in docs/stores/azure.md). Credentials never come from
/// settings (they would end up in a project file): a connection string comes from the
/// <c>AZURE_STORAGE_CONNECTION_STRING</c> environment variable, a token from Azure.Identity's <c>DefaultAzureCredential</c>.
/// </remarks>
public sealed class AzureBlobStateStoreProvider : IStateStoreProvider
{
    private const int MinimumBlockSize = 64 * 1024;

    private const string CredentialHint = "Put a connection string in the " + AzureBlobStateStoreOptions.ConnectionStringVariable + " environment variable, or sign in for DefaultAzureCredential (az login, a managed identity, AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET).";

    private static readonly StateStoreSettingDescriptor[] Declared =
    [
        new("Container", StateStoreSettingType.Text, "The blob container holding the states.") { IsRequired = true },
        new("BasePath", StateStoreSettingType.Text, "The prefix of the layout inside the container, such as pretrained-models/.") { DefaultValue = "(none)" },
        new("ServiceUri", StateStoreSettingType.Url, "The blob service endpoint, such as https://myaccount.blob.core.windows.net or Azurite's; not with AccountName."),
        new("AccountName", StateStoreSettingType.Text, "The storage account, for the public endpoint https://{account}.blob.core.windows.net; not with ServiceUri."),
        new("ServiceVersion", StateStoreSettingType.Text, "The storage service version to send (such as 2025-01-05), for servers behind the SDK's newest.") { DefaultValue = "the SDK's" },
        new("UseEnvironmentConnectionString", StateStoreSettingType.Boolean, "Whether the connection string of " + AzureBlobStateStoreOptions.ConnectionStringVariable + " may be used (false: DefaultAzureCredential only).") { DefaultValue = "true" },
        new("UploadBlockSize", StateStoreSettingType.Bytes, "The size of each staged block, and the largest state sent in one Put Blob (at least 65536).") { DefaultValue = "8388608" },
        new("UploadParallelism", StateStoreSettingType.WholeNumber, "Blocks uploaded at once.") { DefaultValue = "4" },
        StateStoreSettingDescriptor.DownloadChunkSize(8 * 1024 * 1024),
        StateStoreSettingDescriptor.DownloadParallelism(8),
        StateStoreSettingDescriptor.RequestTimeoutSeconds(60),
        StateStoreSettingDescriptor.MaxRetries(3),
        .. StateStoreSettingDescriptor.Secrets(CredentialHint, "ConnectionString", "AccountKey", "SharedAccessSignature", "SasToken", "Sas", "ClientSecret", "Password", "Credentials"),
    ];

    /// <inheritdoc />
    public string Kind => "AzureBlob";

    /// <inheritdoc />
    public IReadOnlyList<StateStoreSettingDescriptor> Settings => Declared;

    /// <inheritdoc />
    public IStateStore Create(StateStoreSettings settings)
    {
        var options = CreateOptions(settings);
        Validate(options, settings);
        try
        {
            return new AzureBlobStateStore(options);
        }
        catch (ArgumentException e)
        {
            // Name the store: the message is all a project file's author sees.
            throw new ArgumentException($"Store '{settings.Name}' of kind AzureBlob: {e.Message.Split(" (Parameter", 2)[0]}", nameof(settings));
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Checks the container name and the account name by Azure's rules, the base path (no <c>.</c>, <c>..</c> or empty
    /// segment), the <c>ServiceUri</c> (absolute http(s), no query nor user information: a SAS or a key is a credential),
    /// that no credential is given as a setting, and the sizes and counts. No Azure SDK type is touched, so
    /// <c>ServiceVersion</c> (a name from the SDK's list) is checked when the store is created.
    /// </remarks>
    public void Validate(StateStoreSettings settings) => Validate(CreateOptions(settings), settings);

    /// <summary>The options a store declared by <paramref name="settings"/> gets.</summary>
    /// <exception cref="ArgumentException">A setting is missing or invalid, or a credential is given as a setting.</exception>
    public static AzureBlobStateStoreOptions CreateOptions(StateStoreSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate(Declared);
        var serviceUri = settings.Get("ServiceUri");
        if (serviceUri is not null && (!Uri.TryCreate(serviceUri, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Query.Length > 0 || uri.UserInfo.Length > 0))
        {
            throw new ArgumentException($"Store '{settings.Name}' of kind AzureBlob: ServiceUri must be an http(s) URL without query or user information, such as https://myaccount.blob.core.windows.net (a SAS token is a credential: use {AzureBlobStateStoreOptions.ConnectionStringVariable}).", nameof(settings));
        }

        var accountName = settings.Get("AccountName");
        if (serviceUri is not null && accountName is not null)
        {
            throw new ArgumentException($"Store '{settings.Name}' of kind AzureBlob: give ServiceUri or AccountName, not both.", nameof(settings));
        }

        var defaults = new AzureBlobStateStoreOptions();
        return new AzureBlobStateStoreOptions
        {
            Container = settings.GetRequired("Container"),
            BasePath = settings.Get("BasePath") ?? string.Empty,
            ServiceUri = serviceUri,
            AccountName = accountName,
            ServiceVersion = settings.Get("ServiceVersion"),
            UseEnvironmentConnectionString = settings.GetBoolean("UseEnvironmentConnectionString") ?? defaults.UseEnvironmentConnectionString,
            UploadBlockSize = settings.GetWholeNumber("UploadBlockSize") ?? defaults.UploadBlockSize,
            UploadParallelism = settings.GetWholeNumber("UploadParallelism") ?? defaults.UploadParallelism,
            DownloadChunkSize = settings.GetWholeNumber("DownloadChunkSize") ?? defaults.DownloadChunkSize,
            DownloadParallelism = settings.GetWholeNumber("DownloadParallelism") ?? defaults.DownloadParallelism,
            RequestTimeout = settings.GetSeconds("RequestTimeoutSeconds") ?? defaults.RequestTimeout,
            MaxRetries = settings.GetWholeNumber("MaxRetries", allowZero: true) ?? defaults.MaxRetries,
        };
    }

    private static void Validate(AzureBlobStateStoreOptions options, StateStoreSettings settings)
    {
        var owner = $"Store '{settings.Name}' of kind AzureBlob";
        var problem = AzureBlobNames.ContainerProblem(options.Container)
            ?? (options.AccountName is null ? null : AzureBlobNames.AccountProblem(options.AccountName))
            ?? (StoreAddressRules.BasePathProblem(settings.Get("BasePath")) is { } basePath ? $"the base path '{settings.Get("BasePath")}' is not valid: {basePath}. Write it as relative segments separated by '/', such as pretrained-models/ or team/states/." : null)
            ?? (options.UploadBlockSize < MinimumBlockSize ? $"UploadBlockSize must be at least {MinimumBlockSize} bytes (64 KiB), not {options.UploadBlockSize}." : null)
            ?? (options.DownloadChunkSize < MinimumBlockSize ? $"DownloadChunkSize must be at least {MinimumBlockSize} bytes (64 KiB), not {options.DownloadChunkSize}." : null);
        if (problem is not null)
        {
            throw new ArgumentException($"{owner}: {problem}", nameof(options));
        }
    }
}
