using ModelStore.Stores;

namespace ModelStore.HuggingFace;

/// <summary>
/// Creates <see cref="HuggingFaceStateStore"/>s from declarative settings, as in
/// <c>&lt;ModelStore Include="hub" Kind="HuggingFace" Repository="sentence-transformers/all-MiniLM-L6-v2" Revision="main" /&gt;</c>.
/// </summary>
/// <remarks>
/// Settings (case-insensitive): <c>Repository</c> (<c>org/name</c>, required), <c>RepoType</c> (<c>model</c>, the
/// default, or <c>dataset</c>), <c>Revision</c> (a branch, tag or commit; default <c>main</c>), <c>BasePath</c> (the
/// folder of MoZuMa's layout), <c>Endpoint</c> (default <c>HF_ENDPOINT</c>, else <c>https://huggingface.co</c>),
/// <c>RequestTimeoutSeconds</c> (default 60, retries included), <c>MaxRetries</c> (default 3, 0 allowed). The token is never a setting: <c>HF_TOKEN</c>, <c>HUGGING_FACE_HUB_TOKEN</c> or the
/// token file of <c>hf auth login</c>.
/// </remarks>
public sealed class HuggingFaceStateStoreProvider : IStateStoreProvider
{
    private static readonly string[] ForbiddenSettings = ["Token", "HfToken", "HF_TOKEN", "AccessToken", "ApiKey", "Password", "Credentials"];

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
        foreach (var forbidden in ForbiddenSettings)
        {
            if (settings.Get(forbidden) is not null)
            {
                throw new ArgumentException($"Store '{settings.Name}' of kind HuggingFace: the token is never read from settings ('{forbidden}' was given), so it stays out of project files. Set the HF_TOKEN environment variable (or run `hf auth login`).", nameof(settings));
            }
        }

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

        if (settings.GetWholeNumber("RequestTimeoutSeconds") is { } seconds)
        {
            options.RequestTimeout = TimeSpan.FromSeconds(seconds);
        }

        if (settings.GetWholeNumber("MaxRetries", allowZero: true) is { } retries)
        {
            options.MaxRetries = retries;
        }

        return options;
    }
}
