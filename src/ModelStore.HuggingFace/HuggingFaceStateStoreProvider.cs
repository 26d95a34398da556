using ModelStore.Stores;

namespace ModelStore.HuggingFace;

/// <summary>
/// Creates <see cref="HuggingFaceStateStore"/>s from declarative settings, as in
/// <c>&lt;ModelStore Include="hub" Kind="HuggingFace" Repository="sentence-transformers/all-MiniLM-L6-v2" Revision="main" /&gt;</c>.
/// </summary>
/// <remarks>
/// The settings are declared in <see cref="Settings"/> (and listed in docs/stores/huggingface.md). The token is never a
/// setting: <c>HF_TOKEN</c>, <c>HUGGING_FACE_HUB_TOKEN</c> or the token file of <c>hf auth login</c>.
/// </remarks>
public sealed class HuggingFaceStateStoreProvider : IStateStoreProvider
{
    private const string TokenHint = "The token is never read from settings, so it stays out of project files: set the HF_TOKEN environment variable (or run `hf auth login`).";

    private static readonly StateStoreSettingDescriptor[] Declared =
    [
        new("Repository", StateStoreSettingType.Text, "The Hub repository, org/name.") { IsRequired = true },
        new("RepoType", StateStoreSettingType.Text, "model or dataset.") { DefaultValue = "model" },
        new("Revision", StateStoreSettingType.Text, "A branch, tag or commit; pinned to its commit in the lock file.") { DefaultValue = "main" },
        new("BasePath", StateStoreSettingType.Text, "The folder of MoZuMa's layout inside the repository.") { DefaultValue = "(root)" },
        new("Endpoint", StateStoreSettingType.Url, "The Hub's address, without user information or query.") { DefaultValue = "HF_ENDPOINT, else https://huggingface.co" },
        new("ReadHubCache", StateStoreSettingType.Boolean, "Take a file from huggingface_hub's cache when its bytes have the expected hash (no download; no request at all for a locked file).") { DefaultValue = "true", IsMachineLocal = true },
        new("ShareHubCache", StateStoreSettingType.Boolean, "Also write downloads into huggingface_hub's cache layout, for Python and @huggingface/hub (ModelStoreShareHuggingFaceCache, --hf-cache).") { DefaultValue = "false", IsMachineLocal = true },
        new("HubCache", StateStoreSettingType.Path, "huggingface_hub's cache folder, relative to the project.") { DefaultValue = "HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub", IsMachineLocal = true },
        StateStoreSettingDescriptor.RequestTimeoutSeconds(60),
        StateStoreSettingDescriptor.MaxRetries(3),
        .. StateStoreSettingDescriptor.Secrets(TokenHint, "Token", "HfToken", "HF_TOKEN", "AccessToken", "ApiKey", "Password", "Credentials"),
    ];

    private readonly Func<string, string?>? _environment;

    /// <summary>Creates the provider; stores read the token and <c>HF_ENDPOINT</c> from the process environment.</summary>
    public HuggingFaceStateStoreProvider()
    {
    }

    /// <summary>Creates the provider with another environment reader (tests, hosts with their own configuration).</summary>
    public HuggingFaceStateStoreProvider(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        _environment = environment;
    }

    /// <inheritdoc />
    public string Kind => "HuggingFace";

    /// <inheritdoc />
    public IReadOnlyList<StateStoreSettingDescriptor> Settings => Declared;

    /// <inheritdoc />
    public IStateStore Create(StateStoreSettings settings)
    {
        Validate(settings);
        return new HuggingFaceStateStore(settings.GetRequired("Repository"), CreateOptions(settings));
    }

    /// <inheritdoc />
    /// <remarks>
    /// Checks the repository id (<c>org/name</c> by the Hub's rules, as huggingface_hub's <c>validate_repo_id</c>), the
    /// repository type, the revision (a branch, tag or commit: no spaces, no <c>..</c>), the base path (no <c>.</c>,
    /// <c>..</c> or empty segment), the <c>Endpoint</c> (absolute http(s), no user information nor query: the token is
    /// never part of an address) and that no token is given as a setting.
    /// </remarks>
    public void Validate(StateStoreSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var options = CreateOptions(settings);
        var owner = $"Store '{settings.Name}' of kind HuggingFace";
        var repository = settings.GetRequired("Repository");
        Check(() => HubNames.ValidateRepository(repository, "Repository"), owner);
        Check(() => HubNames.ValidateRevision(options.Revision, "Revision"), owner);
        StoreAddressRules.ValidateBasePath(settings.Get("BasePath"), owner);
        if (options.Endpoint is { } endpoint && (endpoint.UserInfo.Length > 0 || endpoint.Query.Length > 0))
        {
            throw new ArgumentException($"{owner}: Endpoint must be the Hub's address without user information or query, such as https://huggingface.co (the token comes from HF_TOKEN, never from an address).", nameof(settings));
        }
    }

    // The rules' own messages, naming the store as every message about a declared store does.
    private static void Check(Func<string> validate, string owner)
    {
        try
        {
            validate();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{owner}: {e.Message.Split(" (Parameter", 2)[0]}", "settings", e);
        }
    }

    /// <summary>The options a store declared by <paramref name="settings"/> gets.</summary>
    /// <exception cref="ArgumentException">A setting is invalid, or a credential is given as a setting; the message names it.</exception>
    public HuggingFaceStoreOptions CreateOptions(StateStoreSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate(Declared);
        var options = new HuggingFaceStoreOptions
        {
            Revision = settings.Get("Revision") ?? "main",
            BasePath = settings.Get("BasePath") ?? string.Empty,
            RepoType = settings.Get("RepoType")?.ToUpperInvariant() switch
            {
                null or "MODEL" or "MODELS" => HuggingFaceRepoType.Model,
                "DATASET" or "DATASETS" => HuggingFaceRepoType.Dataset,
                _ => throw new ArgumentException($"Store '{settings.Name}' of kind HuggingFace: RepoType '{settings.Get("RepoType")}' is not supported; use model (the default) or dataset.", nameof(settings)),
            },
        };
        if (_environment is not null)
        {
            options.EnvironmentVariables = _environment;
        }

        if (settings.Get("Endpoint") is { } endpoint)
        {
            options.Endpoint = Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
                ? uri
                : throw new ArgumentException($"Store '{settings.Name}' of kind HuggingFace has an invalid Endpoint '{Downloads.UrlRedaction.RedactText(endpoint)}': expected an absolute http(s) address such as https://huggingface.co.", nameof(settings));
        }

        options.ReadHubCache = settings.GetBoolean("ReadHubCache") ?? options.ReadHubCache;
        options.ShareHubCache = settings.GetBoolean("ShareHubCache") ?? options.ShareHubCache;
        options.HubCacheFolder = settings.GetPath("HubCache");
        options.RequestTimeout = settings.GetSeconds("RequestTimeoutSeconds") ?? options.RequestTimeout;
        options.MaxRetries = settings.GetWholeNumber("MaxRetries", allowZero: true) ?? options.MaxRetries;
        return options;
    }
}
