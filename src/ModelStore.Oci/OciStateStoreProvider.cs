using ModelStore.Stores;

namespace ModelStore.Oci;

/// <summary>
/// Creates OCI registry stores from declarative settings, as in
/// <c>&lt;ModelStore Include="registry" Kind="Oci" Registry="ghcr.io" Repository="team/models" /&gt;</c>.
/// </summary>
/// <remarks>
/// The settings are declared in <see cref="Settings"/> (and listed in docs/oci.md). With <c>Reference</c> the store is
/// that one artifact, versioned (<see cref="OciArtifactStore"/>); without it, every state is a tag of the repository
/// (<see cref="OciStateStore"/>). Credentials are never settings: <c>MODELSTORE_OCI_USERNAME</c>/<c>MODELSTORE_OCI_PASSWORD</c>,
/// <c>REGISTRY_AUTH_FILE</c> or docker's <c>config.json</c>.
/// </remarks>
public sealed class OciStateStoreProvider : IStateStoreProvider
{
    private const string CredentialHint = "Set MODELSTORE_OCI_USERNAME and MODELSTORE_OCI_PASSWORD, or run `docker login`.";

    private static readonly StateStoreSettingDescriptor[] Declared =
    [
        new("Registry", StateStoreSettingType.Text, "The registry, host[:port] without scheme (ghcr.io, 127.0.0.1:5000).") { IsRequired = true },
        new("Repository", StateStoreSettingType.Text, "The repository in the registry (acme/models).") { IsRequired = true },
        new("Reference", StateStoreSettingType.Text, "A tag or sha256: digest: the store is that one artifact, read-only and versioned."),
        new("Insecure", StateStoreSettingType.Boolean, "Plain http instead of https.") { DefaultValue = "false" },
        new("CaCertificateFile", StateStoreSettingType.Path, "PEM authorities trusted for the registry's TLS besides the system's, relative to the project."),
        new("MountFrom", StateStoreSettingType.Text, "Repositories of the same registry (;-separated) to mount blobs from instead of uploading them again."),
        StateStoreSettingDescriptor.RequestTimeoutSeconds(60),
        StateStoreSettingDescriptor.MaxRetries(3),
        .. StateStoreSettingDescriptor.Secrets(CredentialHint, "Username", "User", "Password", "Token", "Auth", "Credentials", "AccessToken", "IdentityToken"),
    ];

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
    public IReadOnlyList<StateStoreSettingDescriptor> Settings => Declared;

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
        settings.Validate(Declared);
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

        options.RequestTimeout = settings.GetSeconds("RequestTimeoutSeconds") ?? options.RequestTimeout;
        options.MaxRetries = settings.GetWholeNumber("MaxRetries", allowZero: true) ?? options.MaxRetries;
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
