using ModelStore.Stores;

namespace ModelStore.GitHub;

/// <summary>
/// Creates <see cref="GitHubReleaseStore"/>s from declarative settings, for example
/// <c>&lt;ModelStore Include="mozuma" Kind="GitHub" Owner="mozuma" Repository="mozuma" /&gt;</c>.
/// </summary>
/// <remarks>
/// Settings: <c>Owner</c> and <c>Repository</c> (required), <c>Branch</c> (default <c>model-store</c>),
/// <c>ReleaseNamePrefix</c> (default <c>state</c>), <c>BaseAddress</c> (default <c>https://github.com/</c>, a GitHub
/// Enterprise address otherwise) and <c>ResponseCacheDirectory</c> (relative to the project; keeps ETags between
/// builds). Credentials come from the environment only (<c>GH_API_BASIC_AUTH</c>, <c>GH_TOKEN</c>, <c>GITHUB_TOKEN</c>).
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
        ArgumentNullException.ThrowIfNull(settings);
        var options = new GitHubReleaseStoreOptions { ResponseCacheDirectory = settings.GetPath("ResponseCacheDirectory") };
        if (_environment is not null)
        {
            options.EnvironmentVariables = _environment;
        }

        if (settings.Get("BaseAddress") is { } address)
        {
            if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            {
                throw new ArgumentException($"Store '{settings.Name}' of kind GitHub has an invalid BaseAddress '{address}': expected an absolute http(s) address such as https://github.com/.", nameof(settings));
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
}
