using System.Text.RegularExpressions;
using ModelStore.Downloads;
using ModelStore.Stores;

namespace ModelStore.Resolution;

/// <summary>What the user (not the lock file) says about the stores of a lock file being restored.</summary>
public sealed class LockFileStoreOptions
{
    /// <summary>The store kinds to use: the built-in ones, plus providers the user named (<c>restore --provider</c>). Never a provider the lock file names.</summary>
    public StateStoreRegistry Registry { get; init; } = StateStoreRegistry.Default;

    /// <summary>
    /// Settings the user gives per store name (<c>restore --store-setting NAME:Setting=Value</c>): they replace the lock
    /// file's, and they are how the user confirms an address the lock file records.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Settings { get; init; } = new Dictionary<string, IReadOnlyDictionary<string, string>>();

    /// <summary>Reads the environment (where a kind's endpoint variable, such as <c>HF_ENDPOINT</c>, also confirms an address).</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;
}

/// <summary>
/// The stores of a lock file, under the trust rules of docs/security.md: the lock file describes where its states came
/// from, the user decides what runs and where credentials go. A store's kind must be built in or given by the user (a
/// lock file never loads code); an address the lock file records (an <c>Endpoint</c>, <c>BaseAddress</c>,
/// <c>ServiceUrl</c>, <c>ServiceUri</c>, <c>AccountName</c>, or any setting that is a URL) is used only when the user
/// confirms it, with a setting of their own or the kind's environment variable; plain http only to loopback.
/// </summary>
public static partial class LockFileStores
{
    private static readonly string[] ProviderSettings = ["ProviderType", "ProviderAssembly"];

    /// <summary>
    /// The stores the lock file's states read, checked all at once before any is created: every problem (an unknown
    /// kind, an unconfirmed address, an invalid setting) is reported together, and nothing is loaded or contacted.
    /// </summary>
    /// <param name="lockFile">The lock file.</param>
    /// <param name="lockFolder">The lock file's folder (relative paths start there, or at its <c>baseDirectory</c>).</param>
    /// <param name="options">What the user says.</param>
    /// <exception cref="StateResolutionException"><see cref="ResolutionFailureKind.InvalidLockFile"/>: the message lists each problem and the option that solves it.</exception>
    public static StoreCatalog CreateCatalog(StateLockFile lockFile, string lockFolder, LockFileStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(lockFile);
        ArgumentNullException.ThrowIfNull(lockFolder);
        options ??= new LockFileStoreOptions();
        var catalog = new StoreCatalog();
        var problems = new List<string>();
        var used = lockFile.States.Values.Where(entry => entry.Url is null).Select(entry => entry.Store).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal);
        foreach (var name in used)
        {
            var shown = StateStoreSettings.Printable(name);
            if (!lockFile.Stores.TryGetValue(name, out var definition))
            {
                problems.Add(name.StartsWith(StateLockFileFormat.UrlStoreIdPrefix, StringComparison.Ordinal)
                    ? $"a state of '{UrlRedaction.RedactText(shown)}' has no \"url\" (it was written by an older ModelStore.Build, or its address was redacted): build the project once with this version to record it"
                    : lockFile.Stores.Count == 0
                        ? $"the lock file records no store definitions, so nothing says what store '{shown}' is (it was written by an older ModelStore.Build): build the project once with this version to add them, then commit the lock file"
                        : $"the lock file records no definition of store '{shown}': build the project once with this version to add it, then commit the lock file");
                continue;
            }

            var provider = options.Registry.Find(definition.Kind);
            if (provider is null)
            {
                problems.Add($"store '{shown}' has kind '{StateStoreSettings.Printable(definition.Kind)}', which is not built in (known kinds: {string.Join(", ", options.Registry.Kinds)}). A lock file never names code to load: pass --provider \"Namespace.ProviderType, path/to/provider.dll\" for the provider of that kind you trust");
                continue;
            }

            try
            {
                var settings = Settings(definition, lockFolder, options, MachineLocal(provider), problems);
                if (settings is not null)
                {
                    catalog.Add(provider, settings);
                }
            }
            catch (ArgumentException e)
            {
                problems.Add(StateStoreSettings.Printable(ResolutionFailure.WithoutParameterName(e)));
            }
        }

        return problems.Count == 0
            ? catalog
            : throw new StateResolutionException(ResolutionFailureKind.InvalidLockFile, $"The lock file's stores cannot be used as they are; nothing was fetched:\n  - {string.Join("\n  - ", problems)}.");
    }

    /// <summary>The requests that fetch exactly what the lock file pins (resolve them with the lock file, locked).</summary>
    public static IReadOnlyList<StateRequest> CreateRequests(StateLockFile lockFile)
    {
        ArgumentNullException.ThrowIfNull(lockFile);
        return [.. lockFile.States.Values.Select(entry => entry.Url is { } url
            ? StateRequest.FromUrl(entry.Key, url)
            : new StateRequest(entry.Key, entry.Store) { Path = entry.Path, Files = entry.Patterns is { } patterns ? new FilePatterns(patterns) : null })];
    }

    /// <summary>
    /// The store a lock file definition describes, created with the built-in kinds only and without confirming its address:
    /// creating a store makes no request, so this serves only to compare identities (<see cref="IStateStore.Id"/>), never to read.
    /// </summary>
    /// <returns>The store, or <see langword="null"/> when its kind is not built in or its settings are refused.</returns>
    public static IStateStore? TryDescribe(StateLockStore definition, string lockFolder, StateStoreRegistry? registry = null)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(lockFolder);
        try
        {
            var values = definition.Settings.Where(setting => !ProviderSettings.Contains(setting.Key, StringComparer.OrdinalIgnoreCase));
            return (registry ?? StateStoreRegistry.Default).Find(definition.Kind)?.Create(new StateStoreSettings(definition.Name, definition.Kind, values, BaseDirectory(definition, lockFolder)));
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>
    /// The lock file definition of a project's store: its kind and settings, without credentials (settings whose names
    /// look like secrets are left out, URL secrets redacted), without the provider's assembly or type (a lock file names
    /// no code), and with paths inside the project written relative to the lock file, so the file is the same on every machine.
    /// </summary>
    public static StateLockStore Describe(StateStoreSettings settings, string projectDirectory, string lockFilePath)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var lockFolder = Path.GetDirectoryName(Path.GetFullPath(lockFilePath))!;
        var project = Path.GetFullPath(projectDirectory);
        var baseDirectory = string.Equals(project.TrimEnd(Path.DirectorySeparatorChar), lockFolder.TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal)
            ? null
            : Path.GetRelativePath(lockFolder, project).Replace('\\', '/');
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var machineLocal = StateStoreRegistry.Default.Find(settings.Kind) is { } provider ? MachineLocal(provider) : [];
        foreach (var (key, value) in settings.Values)
        {
            if (!string.Equals(key, "Kind", StringComparison.OrdinalIgnoreCase) && !ProviderSettings.Contains(key, StringComparer.OrdinalIgnoreCase) && !machineLocal.Contains(key, StringComparer.OrdinalIgnoreCase) && !SecretName().IsMatch(key))
            {
                values[key] = UrlRedaction.RedactText(Relative(value, project, lockFolder));
            }
        }

        return new StateLockStore(settings.Name, settings.Kind, values) { BaseDirectory = baseDirectory };
    }

    // The settings to create the store with: the lock file's (provider names dropped), replaced by the user's; an address
    // only the lock file gives must be confirmed. Null (with the problems added) when one is not.
    private static StateStoreSettings? Settings(StateLockStore definition, string lockFolder, LockFileStoreOptions options, IReadOnlyCollection<string> machineLocal, List<string> problems)
    {
        var user = options.Settings.GetValueOrDefault(definition.Name) ?? options.Settings.FirstOrDefault(pair => string.Equals(pair.Key, definition.Name, StringComparison.OrdinalIgnoreCase)).Value ?? new Dictionary<string, string>();
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var confirmed = true;
        foreach (var (name, value) in definition.Settings)
        {
            if (ProviderSettings.Contains(name, StringComparer.OrdinalIgnoreCase) || machineLocal.Contains(name, StringComparer.OrdinalIgnoreCase) || user.Keys.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            if (value.Length > 0 && StoreEndpoints.IsAddress(definition.Kind, name, value) && !StoreEndpoints.IsConfiguredInEnvironment(definition.Kind, value, options.Environment))
            {
                var variables = StoreEndpoints.VariablesOf(definition.Kind);
                var shown = StateStoreSettings.Printable(UrlRedaction.RedactText(value));
                problems.Add($"store '{StateStoreSettings.Printable(definition.Name)}' would send its requests, and so your credentials, to '{shown}' (setting '{StateStoreSettings.Printable(name)}'), an address only the lock file gives. A lock file does not decide where credentials go: if you trust that address, confirm it with --store-setting \"{StateStoreSettings.Printable(definition.Name)}:{StateStoreSettings.Printable(name)}={shown}\"{(variables.Count == 0 ? "" : $" (or set {string.Join(" or ", variables)} to it)")}, or give the address you use instead");
                confirmed = false;
                continue;
            }

            values[name] = value;
        }

        foreach (var (name, value) in user)
        {
            values[name] = value;
        }

        return confirmed ? new StateStoreSettings(definition.Name, definition.Kind, values, BaseDirectory(definition, lockFolder)) : null;
    }

    // Settings about this machine (IsMachineLocal): never written to a lock file, never taken from one.
    private static IReadOnlyCollection<string> MachineLocal(IStateStoreProvider provider) =>
        provider.Settings?.Where(setting => setting.IsMachineLocal).Select(setting => setting.Name).ToList() ?? [];

    private static string BaseDirectory(StateLockStore definition, string lockFolder) =>
        definition.BaseDirectory is { } relative ? Path.GetFullPath(relative, lockFolder) : lockFolder;

    // An absolute path inside the project (Folder="$(MSBuildProjectDirectory)/states") is written relative to the lock file.
    private static string Relative(string value, string project, string lockFolder)
    {
        if (!Path.IsPathFullyQualified(value))
        {
            return value;
        }

        var full = Path.GetFullPath(value);
        return full.StartsWith(project.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal) || full == project
            ? Path.GetRelativePath(lockFolder, full).Replace('\\', '/')
            : value;
    }

    // Providers refuse credentials as settings; a third-party kind might not, and its secret must not reach a committed file.
    [GeneratedRegex("(password|secret|token|credential|connectionstring|accountkey|accesskey|apikey|signature|^sas)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretName();
}
