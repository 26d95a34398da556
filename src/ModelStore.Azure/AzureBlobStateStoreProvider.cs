using ModelStore.Stores;

namespace ModelStore.Azure;

/// <summary>
/// Creates <see cref="AzureBlobStateStore"/>s from declarative settings, as in
/// <c>&lt;ModelStore Include="team" Kind="AzureBlob" Container="models" BasePath="states" AccountName="myaccount" /&gt;</c>.
/// </summary>
/// <remarks>
/// Settings (case-insensitive): <c>Container</c> (required), <c>BasePath</c>, <c>ServiceUri</c> or <c>AccountName</c>,
/// <c>ServiceVersion</c>, <c>UseEnvironmentConnectionString</c>, <c>UploadBlockSize</c>, <c>UploadParallelism</c>,
/// <c>DownloadChunkSize</c>, <c>DownloadParallelism</c>, <c>RequestTimeoutSeconds</c>, <c>MaxRetries</c>.
/// Credentials never come from settings (they would end up in a project file): a connection string comes from the
/// <c>AZURE_STORAGE_CONNECTION_STRING</c> environment variable, a token from Azure.Identity's <c>DefaultAzureCredential</c>.
/// </remarks>
public sealed class AzureBlobStateStoreProvider : IStateStoreProvider
{
    private const int MinimumBlockSize = 64 * 1024;

    private static readonly string[] ForbiddenSettings = ["ConnectionString", "AccountKey", "SharedAccessSignature", "SasToken", "Sas", "ClientSecret", "Password", "Credentials"];

    /// <inheritdoc />
    public string Kind => "AzureBlob";

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
        foreach (var forbidden in ForbiddenSettings)
        {
            if (settings.Get(forbidden) is not null)
            {
                throw new ArgumentException($"Store '{settings.Name}' of kind AzureBlob: credentials are never read from settings ('{forbidden}' was given). Put a connection string in the {AzureBlobStateStoreOptions.ConnectionStringVariable} environment variable, or sign in for DefaultAzureCredential (az login, a managed identity, AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET).", nameof(settings));
            }
        }

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
            RequestTimeout = settings.GetWholeNumber("RequestTimeoutSeconds") is { } seconds ? TimeSpan.FromSeconds(seconds) : defaults.RequestTimeout,
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
