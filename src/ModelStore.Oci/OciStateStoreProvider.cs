using ModelStore.Stores;

namespace ModelStore.Oci;

/// <summary>
/// Creates OCI registry stores from declarative settings, as in
/// <c>&lt;ModelStore Include="registry" Kind="Oci" Registry="ghcr.io" Repository="team/models" /&gt;</c>.
/// </summary>
/// <remarks>
/// Settings (case-insensitive): <c>Registry</c> (<c>host[:port]</c>, required), <c>Repository</c> (required),
/// <c>Reference</c> (a tag or <c>sha256:</c> digest: the store is then that one artifact, versioned, see
/// <see cref="OciArtifactStore"/>; without it, every state is a tag of the repository, see <see cref="OciStateStore"/>),
/// <c>Insecure</c> (<c>true</c> for plain http), <c>CaCertificateFile</c> (PEM authorities to trust, relative to the
/// project), <c>MountFrom</c> (<c>;</c>-separated repositories to mount blobs from), <c>RequestTimeoutSeconds</c>,
/// <c>MaxRetries</c>. Credentials are never settings: <c>MODELSTORE_OCI_USERNAME</c>/<c>MODELSTORE_OCI_PASSWORD</c>,
/// <c>REGISTRY_AUTH_FILE</c> or docker's <c>config.json</c>.
/// </remarks>
public sealed class OciStateStoreProvider : IStateStoreProvider
{
    private static readonly string[] ForbiddenSettings = ["Username", "User", "Password", "Token", "Auth", "Credentials", "AccessToken", "IdentityToken"];

    private readonly Func<string, string?>? _environment;

    /// <summary>Creates the provider; stores read credentials from the process environment.</summary>
    public OciStateStoreProvider()
    {
    }

    /// <summary>Creates the provider with another environment reader (tests, hosts with their own configuration).</summary>
    public OciStateStoreProvider(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        _environment = environment;
    }

    /// <inheritdoc />
    public string Kind => "Oci";

    /// <inheritdoc />
    public IStateStore Create(StateStoreSettings settings)
    {
        Validate(settings);
        var store = new OciStateStore(settings.GetRequired("Registry"), settings.GetRequired("Repository"), CreateOptions(settings));
        return settings.Get("Reference") is { } reference ? store.AtReference(reference) : store;
    }

    /// <inheritdoc />
    /// <remarks>Checks the registry address, the repository name, the reference, the CA file, the mount sources, and that no credential is given as a setting.</remarks>
    public void Validate(StateStoreSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var owner = $"Store '{settings.Name}' of kind Oci";
        var options = CreateOptions(settings);
        Check(() => OciNames.ValidateRegistry(settings.GetRequired("Registry"), "Registry"), owner);
        Check(() => OciNames.ValidateRepository(settings.GetRequired("Repository"), "Repository"), owner);
        if (settings.Get("Reference") is { } reference)
        {
            Check(() => OciNames.ValidateReference(reference, "Reference"), owner);
        }

        Check(() =>
        {
            options.Validate();
            return "";
        }, owner);
    }

    /// <summary>The options a store declared by <paramref name="settings"/> gets.</summary>
    /// <exception cref="ArgumentException">A setting is invalid, or a credential is given as a setting; the message names it.</exception>
    public OciStoreOptions CreateOptions(StateStoreSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var forbidden in ForbiddenSettings)
        {
            if (settings.Get(forbidden) is not null)
            {
                throw new ArgumentException($"Store '{settings.Name}' of kind Oci: credentials are never read from settings ('{forbidden}' was given), so they stay out of project files. Set MODELSTORE_OCI_USERNAME and MODELSTORE_OCI_PASSWORD, or run `docker login`.", nameof(settings));
            }
        }

        var options = new OciStoreOptions
        {
            Insecure = settings.GetBoolean("Insecure") ?? false,
            CaCertificateFile = settings.GetPath("CaCertificateFile"),
            MountFrom = (settings.Get("MountFrom") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList(),
        };
        if (_environment is not null)
        {
            options.EnvironmentVariables = _environment;
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
}
