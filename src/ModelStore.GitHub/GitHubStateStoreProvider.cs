using ModelStore.Stores;

namespace ModelStore.GitHub;

/// <summary>
/// Creates <see cref="GitHubReleaseStore"/>s from declarative settings, for example
/// <c>&lt;ModelStore Include="mozuma" Kind="GitHub" Owner="mozuma" Repository="mozuma" /&gt;</c>.
/// </summary>
/// <remarks>
/// The settings are declared in <see cref="Settings"/> (and listed in docs/stores/github.md). Credentials come from the
/// environment only (<c>GH_API_BASIC_AUTH</c>, <c>GH_TOKEN</c>, <c>GITHUB_TOKEN</c>).
/// </remarks>
public sealed class GitHubStateStoreProvider : IStateStoreProvider
{
    private const string CredentialHint = "Set GH_TOKEN (or GITHUB_TOKEN, or GH_API_BASIC_AUTH as user:token) in the environment.";

    private static readonly StateStoreSettingDescriptor[] Declared =
    [
        new("Owner", StateStoreSettingType.Text, "The user or organisation owning the repository.") { IsRequired = true },
        new("Repository", StateStoreSettingType.Text, "The repository whose releases hold the states.") { IsRequired = true },
        new("Branch", StateStoreSettingType.Text, "The branch the releases target.") { DefaultValue = "model-store" },
        new("ReleaseNamePrefix", StateStoreSettingType.Text, "The prefix of release names and tags ({prefix}.{backend}.{architecture}; no dot).") { DefaultValue = "state" },
        new("BaseAddress", StateStoreSettingType.Url, "The GitHub instance: github.com, or a GitHub Enterprise server.") { DefaultValue = "https://github.com/" },
        new("ResponseCacheDirectory", StateStoreSettingType.Path, "A folder keeping API responses and their ETags between builds, relative to the project.") { DefaultValue = "(in memory)" },
        StateStoreSettingDescriptor.RequestTimeoutSeconds(60),
        StateStoreSettingDescriptor.MaxRetries(3),
        StateStoreSettingDescriptor.DownloadChunkSize(8 * 1024 * 1024),
        StateStoreSettingDescriptor.DownloadParallelism(4),
        .. StateStoreSettingDescriptor.Secrets(CredentialHint, "Token", "Password", "Credentials"),
    ];

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
    public IReadOnlyList<StateStoreSettingDescriptor> Settings => Declared;

    /// <inheritdoc />
    public IStateStore Create(StateStoreSettings settings)
    {
        Validate(settings);
        var defaults = new GitHubReleaseStoreOptions();
        var options = new GitHubReleaseStoreOptions
        {
            ResponseCacheDirectory = settings.GetPath("ResponseCacheDirectory"),
            RequestTimeout = settings.GetSeconds("RequestTimeoutSeconds") ?? defaults.RequestTimeout,
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
        settings.Validate(Declared);
        GitHubNames.Validate(settings.GetRequired("Owner"), settings.GetRequired("Repository"), settings.Get("Branch") ?? "model-store", $"Store '{settings.Name}' of kind GitHub");
        if (settings.Get("ReleaseNamePrefix") is { } prefix && !States.StateName.IsValid(prefix))
        {
            throw new ArgumentException($"Store '{settings.Name}' of kind GitHub: ReleaseNamePrefix '{prefix}' is not a valid release name prefix (letters, digits, '_' or '-', no dot).", nameof(settings));
        }
    }
}
