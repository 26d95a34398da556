using System.Net;
using ModelStore.Downloads;
using ModelStore.GitHub.Http;
using ModelStore.States;
using ModelStore.Stores;
using Octokit;
using Octokit.Internal;

namespace ModelStore.GitHub;

/// <summary>
/// A store on GitHub release assets, laid out exactly as MoZuMa's <c>GitHUBReleaseStore</c>
/// (see <see cref="GitHubReleaseLayout"/>): release and tag <c>{prefix}.{backend}.{architecture}</c> created on
/// <see cref="Branch"/> when a state is first saved, one asset <c>{extra...}.{trainingId}.state.gzip</c> per state.
/// </summary>
/// <remarks>
/// <para>Credentials come from <c>GH_API_BASIC_AUTH</c> (<c>user:token</c>), else <c>GH_TOKEN</c>, else
/// <c>GITHUB_TOKEN</c>; without them the store reads anonymously and refuses to write
/// (<see cref="StateStoreError.AccessDenied"/>) before calling GitHub.</para>
/// <para>API calls are few and cheap: listings are conditional requests (ETags kept per URL), and states are
/// downloaded from the release's public download address, which costs no API call. A spent quota is a
/// <see cref="GitHubRateLimitException"/> (<see cref="StateStoreError.RateLimited"/>) saying when it resets.</para>
/// <para>Errors: <see cref="StateStoreError.NotFound"/>, <see cref="StateStoreError.AlreadyExists"/>,
/// <see cref="StateStoreError.AccessDenied"/>, <see cref="StateStoreError.ContainerNotFound"/> (repository or
/// branch missing), <see cref="StateStoreError.RateLimited"/>, <see cref="StateStoreError.InvalidContent"/>
/// (corrupt gzip, larger than <see cref="GitHubReleaseStoreOptions.MaxDecompressedSize"/>),
/// <see cref="StateStoreError.Unreachable"/> and <see cref="StateStoreError.Timeout"/>.</para>
/// </remarks>
public sealed partial class GitHubReleaseStore : StateStore, IFileDownloadingStore
{
    private const string JsonMediaType = "application/vnd.github+json";
    private const int PageSize = 100;

    // One connection pool for the process: stores are cheap to create and need no disposal. Each request carries its
    // store's bounds and retries (HttpResilience).
    private static readonly HttpClient SharedHttp = new(HttpResilience.CreateHandler(new SocketsHttpHandler
    {
        AllowAutoRedirect = true,
        MaxAutomaticRedirections = 5,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(30),
        AutomaticDecompression = DecompressionMethods.None,
    }))
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    private readonly GitHubReleaseStoreOptions _options;
    private readonly GitHubCredentials _credentials;
    private readonly GitHubClient _client;
    private readonly HttpResilienceOptions _resilience;

    /// <summary>Creates a store on the releases of <paramref name="owner"/>/<paramref name="repository"/>.</summary>
    /// <param name="owner">The owner of the repository (user or organisation).</param>
    /// <param name="repository">The repository's name.</param>
    /// <param name="branch">The branch new releases are created on; MoZuMa recommends an orphan branch <c>model-store</c>.</param>
    /// <param name="releaseNamePrefix">The prefix of the state releases (a valid state name: no dot).</param>
    /// <param name="options">Base address, credentials source, limits and caching; defaults when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">
    /// An argument is empty or invalid: the owner and the repository must follow GitHub's naming rules
    /// (<see cref="GitHubNames"/>), the branch must be a usable Git branch name.
    /// </exception>
    public GitHubReleaseStore(string owner, string repository, string branch = "model-store", string releaseNamePrefix = "state", GitHubReleaseStoreOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        ArgumentException.ThrowIfNullOrWhiteSpace(repository);
        ArgumentException.ThrowIfNullOrWhiteSpace(branch);
        if (owner.Contains('/', StringComparison.Ordinal) || repository.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException("Give the owner and the repository separately, without '/'.", owner.Contains('/', StringComparison.Ordinal) ? nameof(owner) : nameof(repository));
        }

        GitHubNames.Validate(owner, repository, branch, "GitHub store");
        _options = options?.Clone() ?? new GitHubReleaseStoreOptions();
        ArgumentNullException.ThrowIfNull(_options.BaseAddress, "options.BaseAddress");
        ArgumentNullException.ThrowIfNull(_options.EnvironmentVariables, "options.EnvironmentVariables");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.MaxDecompressedSize, "options.MaxDecompressedSize");
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_options.RequestTimeout, TimeSpan.Zero, "options.RequestTimeout");
        ArgumentOutOfRangeException.ThrowIfNegative(_options.MaxRetries, "options.MaxRetries");
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.DownloadChunkSize, 64 * 1024, "options.DownloadChunkSize");
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.DownloadParallelism, 1, "options.DownloadParallelism");
        if (!_options.BaseAddress.IsAbsoluteUri || !string.IsNullOrEmpty(_options.BaseAddress.UserInfo))
        {
            throw new ArgumentException("The base address must be an absolute http(s) address without credentials.", nameof(options));
        }

        Owner = owner;
        Repository = repository;
        Branch = branch;
        Layout = new GitHubReleaseLayout(releaseNamePrefix);
        BaseAddress = new Uri(_options.BaseAddress.AbsoluteUri.TrimEnd('/') + "/");
        ApiAddress = IsGitHubDotCom(BaseAddress) ? new Uri("https://api.github.com/") : new Uri(BaseAddress, "api/v3/");
        _credentials = GitHubCredentials.FromEnvironment(_options.EnvironmentVariables);
        var connection = new Connection(
            new ProductHeaderValue("ModelStore.GitHub", typeof(GitHubReleaseStore).Assembly.GetName().Version?.ToString(3) ?? "1.0.0"),
            ApiAddress,
            new InMemoryCredentialStore(_credentials.Credentials),
            new StreamingHttpClient(SharedHttp, _options.MaxRetries),
            new SimpleJsonSerializer());
        connection.SetRequestTimeout(_options.RequestTimeout);
        _client = new GitHubClient(connection) { ResponseCache = new GitHubResponseCache(_options.ResponseCacheDirectory) };
        _resilience = new HttpResilienceOptions { RequestTimeout = _options.RequestTimeout, MaxRetries = _options.MaxRetries };
    }

    /// <summary>The owner of the repository.</summary>
    public string Owner { get; }

    /// <summary>The repository holding the releases.</summary>
    public string Repository { get; }

    /// <summary>The branch new releases are created on.</summary>
    public string Branch { get; }

    /// <summary>The naming of releases and assets.</summary>
    public GitHubReleaseLayout Layout { get; }

    /// <summary>The web address of the GitHub instance (ends with <c>/</c>).</summary>
    public Uri BaseAddress { get; }

    /// <summary>The REST API address used (<c>https://api.github.com/</c> or <c>{BaseAddress}api/v3/</c>).</summary>
    public Uri ApiAddress { get; }

    /// <inheritdoc />
    public override string Description => $"GitHub release store {Owner}/{Repository} on {BaseAddress.Authority} (releases {Layout.ReleaseNamePrefix}.*)";

    /// <inheritdoc />
    public override string Id => $"github:{BaseAddress.AbsoluteUri.TrimEnd('/')}/{Owner}/{Repository}/{Layout.ReleaseNamePrefix}";

    /// <summary>The public download address of a state's asset: <c>{BaseAddress}{owner}/{repository}/releases/download/{tag}/{asset}</c>.</summary>
    public Uri GetDownloadUri(StateKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return new Uri(BaseAddress, $"{Uri.EscapeDataString(Owner)}/{Uri.EscapeDataString(Repository)}/releases/download/{Uri.EscapeDataString(Layout.GetTag(key.StateType))}/{Uri.EscapeDataString(GitHubReleaseLayout.GetAssetName(key))}");
    }

    /// <inheritdoc />
    public override async Task<bool> ExistsAsync(StateKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        return await FindAssetAsync(key, cancellationToken).ConfigureAwait(false) is not null;
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<StateKey>> GetStateKeysAsync(StateType stateType, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stateType);
        cancellationToken.ThrowIfCancellationRequested();
        var release = await FindReleaseAsync(Layout.GetTag(stateType), cancellationToken).ConfigureAwait(false);
        if (release is null)
        {
            return [];
        }

        var keys = new List<StateKey>();
        foreach (var asset in await GetAssetsAsync(release, cancellationToken).ConfigureAwait(false))
        {
            if (IsUploaded(asset) && GitHubReleaseLayout.TryParseAssetName(stateType, asset.Name) is { } key)
            {
                keys.Add(key);
            }
        }

        keys.Sort((a, b) => string.CompareOrdinal(a.ToString(), b.ToString()));
        return keys;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Downloads from the public download address (no API call). When that answers 404 and credentials are set
    /// (a private repository), the asset is found through the API and downloaded from there.
    /// </remarks>
    public override async Task<Stream> OpenReadAsync(StateKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        var response = await DownloadAsync(GetDownloadUri(key), authenticated: false, key, cancellationToken).ConfigureAwait(false);
        if (response is null && !_credentials.IsAnonymous)
        {
            var asset = await FindAssetAsync(key, cancellationToken).ConfigureAwait(false);
            if (asset is not null)
            {
                response = await DownloadAsync(new Uri(asset.Url), authenticated: true, key, cancellationToken).ConfigureAwait(false);
            }
        }

        if (response is null)
        {
            throw MissingAsset(key);
        }

        return await DecompressingStateStream.OpenAsync(response, _options.MaxDecompressedSize, key, Description, cancellationToken).ConfigureAwait(false);
    }

    private static bool IsGitHubDotCom(Uri address) =>
        string.Equals(address.Host, "github.com", StringComparison.OrdinalIgnoreCase) || string.Equals(address.Host, "www.github.com", StringComparison.OrdinalIgnoreCase);

    // GitHub lists an asset whose upload has not finished with another state ("starter"/"open").
    private static bool IsUploaded(ReleaseAsset asset) => asset.State is null || string.Equals(asset.State, "uploaded", StringComparison.OrdinalIgnoreCase);

    private async Task<ReleaseAsset?> FindAssetAsync(StateKey key, CancellationToken cancellationToken)
    {
        var release = await FindReleaseAsync(Layout.GetTag(key.StateType), cancellationToken).ConfigureAwait(false);
        if (release is null)
        {
            return null;
        }

        var name = GitHubReleaseLayout.GetAssetName(key);
        var assets = await GetAssetsAsync(release, cancellationToken).ConfigureAwait(false);
        return assets.FirstOrDefault(asset => IsUploaded(asset) && string.Equals(asset.Name, name, StringComparison.Ordinal));
    }

    /// <summary>The release tagged <paramref name="tag"/>, or <see langword="null"/>; a missing repository is <see cref="StateStoreError.ContainerNotFound"/>.</summary>
    private async Task<Release?> FindReleaseAsync(string tag, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _client.Connection.Get<Release>(ApiUrls.Releases(Owner, Repository, tag), null, JsonMediaType, cancellationToken).ConfigureAwait(false);
            return response.Body;
        }
        catch (NotFoundException)
        {
            // GitHub answers 404 both for a missing release and a missing (or hidden) repository: tell them apart.
            await EnsureRepositoryExistsAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (Translate(e, $"read release {tag}") is { } error)
        {
            throw error;
        }
    }

    private async Task EnsureRepositoryExistsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _client.Connection.Get<Octokit.Repository>(ApiUrls.Repository(Owner, Repository), null, JsonMediaType, cancellationToken).ConfigureAwait(false);
        }
        catch (NotFoundException e)
        {
            var hint = _credentials.IsAnonymous ? " If it is private, set GH_TOKEN (or GH_API_BASIC_AUTH=user:token)." : string.Empty;
            throw new StateStoreException(StateStoreError.ContainerNotFound, $"Repository {Owner}/{Repository} was not found on {BaseAddress.Authority} ({_credentials.Describe()}).{hint}", null, e);
        }
        catch (Exception e) when (Translate(e, "read the repository") is { } error)
        {
            throw error;
        }
    }

    /// <summary>Every asset of <paramref name="release"/>, page after page (conditional requests, so unchanged pages cost nothing when authenticated).</summary>
    private async Task<IReadOnlyList<ReleaseAsset>> GetAssetsAsync(Release release, CancellationToken cancellationToken)
    {
        var assets = new List<ReleaseAsset>();
        Uri? page = ApiUrls.ReleaseAssets(Owner, Repository, release.Id);
        var parameters = new Dictionary<string, string> { ["per_page"] = PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        try
        {
            while (page is not null)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var response = await _client.Connection.Get<List<ReleaseAsset>>(page, parameters, JsonMediaType, cancellationToken).ConfigureAwait(false);
                assets.AddRange(response.Body ?? []);
                page = response.HttpResponse.ApiInfo.Links.TryGetValue("next", out var next) ? next : null;
                parameters = null; // the next link carries every parameter
            }
        }
        catch (Exception e) when (Translate(e, $"list the assets of release {release.TagName}") is { } error)
        {
            throw error;
        }

        return assets;
    }

    /// <summary>Sends a download request; <see langword="null"/> on 404.</summary>
    private async Task<HttpResponseMessage?> DownloadAsync(Uri address, bool authenticated, StateKey key, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, address);
        PrepareDownload(request, authenticated);
        HttpResponseMessage response;
        try
        {
            response = await SharedHttp.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (HttpStateErrors.IsTranslatable(e, cancellationToken))
        {
            throw HttpStateErrors.FromException(e, $"download of state {key} from {Description}", key);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }

            throw GitHubErrors.FromDownload(response, $"download state {key}", _credentials, key) as StateStoreException
                ?? new StateStoreException(
                    response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ? StateStoreError.AccessDenied : StateStoreError.Unreachable,
                    $"GitHub answered {(int)response.StatusCode} {response.ReasonPhrase} to the download of state {key} from {Description} ({_credentials.Describe()}).",
                    key);
        }
    }

    // Downloads take the store's bounds and retries; the handler drops the Authorization header when GitHub redirects
    // to its storage host.
    private void PrepareDownload(HttpRequestMessage request, bool authenticated)
    {
        request.Headers.Accept.ParseAdd("application/octet-stream");
        request.Headers.UserAgent.ParseAdd("ModelStore.GitHub");
        HttpResilience.Configure(request, _resilience);
        if (authenticated)
        {
            request.Headers.TryAddWithoutValidation("Authorization", AuthorizationHeader());
        }
    }

    private string AuthorizationHeader()
    {
        var credentials = _credentials.Credentials;
        return credentials.AuthenticationType == AuthenticationType.Basic
            ? "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{credentials.Login}:{credentials.Password}"))
            : "Bearer " + credentials.Password;
    }

    private StateStoreException? Translate(Exception exception, string action, StateKey? key = null) =>
        GitHubErrors.Translate(exception, action, Description, _credentials, key);
}
