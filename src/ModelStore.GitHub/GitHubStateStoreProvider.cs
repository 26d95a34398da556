using ModelStore.Stores;

namespace ModelStore.GitHub;

/// <summary>
/// Creates <see cref="GitHubReleaseStore"/>s from declarative settings, for example
/// <c>&lt;ModelStore Include="mozuma" Kind="GitHub" Owner="mozuma" Repository="mozuma" /&gt;</c>.
/// </summary>
/// <remarks>
/// Settings: <c>Owner</c> and <c>Repository</c> (required), <c>Branch</c> (default <c>model-store</c>),
/// <c>ReleaseNamePrefix</c> (default <c>state</c>), <c>BaseAddress</c> (default <c>https://github.com/</c>, a GitHub
/// Enterprise address otherwise), <c>ResponseCacheDirectory</c> (relative to the project; keeps ETags between
/// builds), <c>RequestTimeoutSeconds</c> (default 60), <c>MaxRetries</c> (default 3, 0 allowed), <c>DownloadChunkSize</c> and
/// <c>DownloadParallelism</c>. Credentials come from the environment only (<c>GH_API_BASIC_AUTH</c>, <c>GH_TOKEN</c>, <c>GITHUB_TOKEN</c>).
/// </remarks>
public sealed class GitHubStateStoreProvider : IStateStoreProvider
{
    private readonly Func<string, string?>? _environment;

    /// <summary>Creates the provider; stores read credentials from the process environment.</summary>
    public GitHubStateStoreProvider()
    {
    }

    /// <summary>Creates the provider with another environment reader (tests, hosts with their own configuration).</summary>
    public GitHubStateStoreProvider(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        _environment = environment;
    }

    /// <inheritdoc />
    public string Kind => "GitHub";

    /// <inheritdoc />
    public IStateStore Create(StateStoreSettings settings)
    {
        Validate(settings);
        var defaults = new GitHubReleaseStoreOptions();
        var options = new GitHubReleaseStoreOptions
        {
            ResponseCacheDirectory = settings.GetPath("ResponseCacheDirectory"),
            RequestTimeout = settings.GetWholeNumber("RequestTimeoutSeconds") is { } seconds ? TimeSpan.FromSeconds(seconds) : defaults.RequestTimeout,
            MaxRetries = settings.GetWholeNumber("MaxRetries", allowZero: true) ?? defaults.MaxRetries,
            DownloadChunkSize = settings.GetWholeNumber("DownloadChunkSize") ?? defaults.DownloadChunkSize,
            DownloadParallelism = settings.GetWholeNumber("DownloadParallelism") ?? defaults.DownloadParallelism,
        };
        if (_environment is not null)
        {
            options.EnvironmentVariables = _environment;
        }

        if (settings.Get("BaseAddress") is { } address)
        {
            if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            {
                throw new ArgumentException($"Store '{settings.Name}' of kind GitHub has an invalid BaseAddress '{ModelStore.Downloads.UrlRedaction.RedactText(address)}': expected an absolute http(s) address such as https://github.com/.", nameof(settings));
            }

            options.BaseAddress = uri;
        }

        return new GitHubReleaseStore(
            settings.GetRequired("Owner"),
            settings.GetRequired("Repository"),
            settings.Get("Branch") ?? "model-store",
            settings.Get("ReleaseNamePrefix") ?? "state",
            options);
    }

    /// <inheritdoc />
    public void Validate(StateStoreSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        GitHubNames.Validate(settings.GetRequired("Owner"), settings.GetRequired("Repository"), settings.Get("Branch") ?? "model-store", $"Store '{settings.Name}' of kind GitHub");
        if (settings.Get("ReleaseNamePrefix") is { } prefix && !States.StateName.IsValid(prefix))
        {
            throw new ArgumentException($"Store '{settings.Name}' of kind GitHub: ReleaseNamePrefix '{prefix}' is not a valid release name prefix (letters, digits, '_' or '-', no dot).", nameof(settings));
        }

        settings.GetWholeNumber("RequestTimeoutSeconds");
        settings.GetWholeNumber("MaxRetries", allowZero: true);
        settings.GetWholeNumber("DownloadChunkSize");
        settings.GetWholeNumber("DownloadParallelism");
    }
}
