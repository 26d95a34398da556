using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace ModelStore.Stores;

/// <summary>
/// The store kinds a program understands, one <see cref="IStateStoreProvider"/> each: the single list the build
/// task and the <c>modelstore</c> command share. <see cref="Default"/> holds the local store and every kind shipped
/// by this repository whose assembly is present (a program that references <c>ModelStore.S3</c> knows <c>S3</c>);
/// <see cref="With"/> adds a kind of one's own, and <see cref="LoadProvider"/> loads a third-party provider by type name.
/// </summary>
public sealed class StateStoreRegistry
{
    // The kinds this repository ships, by the provider's assembly-qualified type name: a backend package is found when
    // its assembly can be loaded, so the core library references none of them. Constants, so each Type.GetType call below
    // names its type by a literal, which a trimmed or native (AOT) program keeps.
    private const string S3Provider = "ModelStore.S3.S3StateStoreProvider, ModelStore.S3";
    private const string GitHubProvider = "ModelStore.GitHub.GitHubStateStoreProvider, ModelStore.GitHub";
    private const string HuggingFaceProvider = "ModelStore.HuggingFace.HuggingFaceStateStoreProvider, ModelStore.HuggingFace";
    private const string AzureBlobProvider = "ModelStore.Azure.AzureBlobStateStoreProvider, ModelStore.Azure";
    private const string OciProvider = "ModelStore.Oci.OciStateStoreProvider, ModelStore.Oci";

    private static readonly Lazy<StateStoreRegistry> LazyDefault = new(CreateDefault);

    private readonly Dictionary<string, IStateStoreProvider> _providers = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A registry of exactly <paramref name="providers"/>; a later provider of the same kind replaces an earlier one.</summary>
    public StateStoreRegistry(params IEnumerable<IStateStoreProvider> providers)
    {
        ArgumentNullException.ThrowIfNull(providers);
        foreach (var provider in providers)
        {
            ArgumentNullException.ThrowIfNull(provider);
            _providers[provider.Kind] = provider;
        }
    }

    /// <summary>
    /// The local store's provider and the provider of every kind this repository ships (<c>S3</c>, <c>GitHub</c>,
    /// <c>HuggingFace</c>, <c>AzureBlob</c>, <c>Oci</c>) whose assembly is present.
    /// </summary>
    public static StateStoreRegistry Default => LazyDefault.Value;

    /// <summary>The known kinds, sorted, for messages.</summary>
    public IEnumerable<string> Kinds => _providers.Keys.Order(StringComparer.OrdinalIgnoreCase);

    /// <summary>The known providers.</summary>
    public IEnumerable<IStateStoreProvider> Providers => _providers.Values;

    /// <summary>The provider of <paramref name="kind"/> (case-insensitive), or <see langword="null"/>.</summary>
    public IStateStoreProvider? Find(string kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        return _providers.GetValueOrDefault(kind);
    }

    /// <summary>A registry with the providers of this one and <paramref name="providers"/> (which win on a shared kind).</summary>
    public StateStoreRegistry With(params IEnumerable<IStateStoreProvider> providers) => new(_providers.Values.Concat(providers));

    /// <summary>
    /// Creates the store <paramref name="settings"/> describe, after checking them (<see cref="IStateStoreProvider.Validate"/>:
    /// the settings the kind declares, then its own rules). The caller owns the store and disposes it.
    /// </summary>
    /// <exception cref="ArgumentException">The kind is unknown (the message lists the known ones), a setting is unknown (the message names its close match), or the provider rejected a setting.</exception>
    public IStateStore Create(StateStoreSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var provider = Find(settings.Kind)
            ?? throw new ArgumentException($"Store '{settings.Name}' has the unknown Kind '{settings.Kind}'. Known kinds: {string.Join(", ", Kinds)}.", nameof(settings));
        provider.Validate(settings);
        return provider.Create(settings);
    }

    /// <summary>
    /// Loads a provider that is not shipped with ModelStore: the public type <paramref name="typeName"/> (full name, or
    /// assembly-qualified), with a public parameterless constructor, implementing <see cref="IStateStoreProvider"/>,
    /// from <paramref name="assemblyPath"/> when given (loaded beside the ModelStore assembly, so both share its types)
    /// or else from an assembly the program can already load.
    /// </summary>
    /// <exception cref="ArgumentException">The assembly or type cannot be found or loaded, or the type is not a provider, or the program is compiled ahead of time (native AOT: it loads no assembly); the message says which.</exception>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Refused up front in a native (AOT) program; a JIT program is not trimmed.")]
    [UnconditionalSuppressMessage("Trimming", "IL2057", Justification = "As above.")]
    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = "As above.")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "As above.")]
    public static IStateStoreProvider LoadProvider(string typeName, string? assemblyPath = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(typeName);
        if (!RuntimeFeature.IsDynamicCodeSupported)
        {
            throw new ArgumentException(
                $"The store provider '{typeName}' cannot be loaded: this program is compiled ahead of time (native AOT) and loads no assemblies. " +
                "Use a build (the ModelStore.Build package loads providers), or the portable modelstore tool (dotnet tool install ModelStore.Cli.any).",
                nameof(typeName));
        }

        Type? type;
        try
        {
            if (string.IsNullOrWhiteSpace(assemblyPath))
            {
                type = Type.GetType(typeName, throwOnError: false);
            }
            else
            {
                var full = Path.GetFullPath(assemblyPath);
                if (!File.Exists(full))
                {
                    throw new ArgumentException($"The provider assembly '{full}' does not exist.", nameof(assemblyPath));
                }

                var assembly = LoadBesideModelStoreContext(full);
                type = assembly.GetType(typeName.Split(',')[0].Trim(), throwOnError: false);
            }
        }
        catch (Exception e) when (e is FileLoadException or BadImageFormatException or FileNotFoundException)
        {
            throw new ArgumentException($"The store provider '{typeName}' cannot be loaded: {e.Message}", nameof(typeName), e);
        }

        if (type is null)
        {
            var where = string.IsNullOrWhiteSpace(assemblyPath) ? "" : $" in '{assemblyPath}'";
            throw new ArgumentException($"The store provider type '{typeName}' was not found{where}. Give its full name (Namespace.Type) and the assembly that holds it.", nameof(typeName));
        }

        if (!typeof(IStateStoreProvider).IsAssignableFrom(type) || type.IsAbstract || type.GetConstructor(Type.EmptyTypes) is null)
        {
            throw new ArgumentException($"The type '{type.FullName}' is not a store provider: it must be a public, non-abstract class implementing {typeof(IStateStoreProvider).FullName} with a public parameterless constructor.", nameof(typeName));
        }

        return (IStateStoreProvider)Activator.CreateInstance(type)!;
    }

    private static StateStoreRegistry CreateDefault()
    {
        // The modelstore tool on linux-x64 is such a native program: it finds every kind it was compiled with, loading nothing.
        var providers = new List<IStateStoreProvider> { new LocalStateStoreProvider() };
        AddShipped(providers, Type.GetType(S3Provider, throwOnError: false), S3Provider);
        AddShipped(providers, Type.GetType(GitHubProvider, throwOnError: false), GitHubProvider);
        AddShipped(providers, Type.GetType(HuggingFaceProvider, throwOnError: false), HuggingFaceProvider);
        AddShipped(providers, Type.GetType(AzureBlobProvider, throwOnError: false), AzureBlobProvider);
        AddShipped(providers, Type.GetType(OciProvider, throwOnError: false), OciProvider);
        return new StateStoreRegistry(providers);
    }

    // A shipped backend is optional: absent (not referenced, not deployed), it is simply not a known kind.
    private static void AddShipped(
        List<IStateStoreProvider> providers,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] Type? type,
        string providerType)
    {
        try
        {
            var provider = type is null ? LoadBesideModelStore(providerType) : Activator.CreateInstance(type) as IStateStoreProvider;
            if (provider is not null)
            {
                providers.Add(provider);
            }
        }
        catch (Exception e) when (e is FileLoadException or BadImageFormatException or FileNotFoundException or TargetInvocationException or TypeLoadException)
        {
            // Present but unloadable: not a known kind.
        }
    }

    // Inside an isolated load context (an MSBuild task), Type.GetType does not see the backends: look beside this
    // assembly, in the same context. A native (AOT) program has no assemblies to load, and was compiled with its kinds.
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only reached when the type is not compiled in: a JIT runtime loading a backend assembly beside ModelStore.dll (an MSBuild task's load context).")]
    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = "As above: the loaded assembly is not trimmed.")]
    [UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "An empty location (single-file or native) finds no candidate file, so nothing is loaded.")]
    private static IStateStoreProvider? LoadBesideModelStore(string providerType)
    {
        if (!RuntimeFeature.IsDynamicCodeSupported)
        {
            return null;
        }

        var location = typeof(StateStoreRegistry).Assembly.Location;
        if (string.IsNullOrEmpty(location))
        {
            return null;
        }

        var parts = providerType.Split(',');
        var candidate = Path.Combine(Path.GetDirectoryName(location) ?? "", parts[1].Trim() + ".dll");
        var type = File.Exists(candidate) ? LoadBesideModelStoreContext(candidate).GetType(parts[0].Trim(), throwOnError: false) : null;
        return type is null ? null : Activator.CreateInstance(type) as IStateStoreProvider;
    }

    [RequiresUnreferencedCode("Loads an assembly from a path.")]
    private static Assembly LoadBesideModelStoreContext(string path)
    {
        var context = AssemblyLoadContext.GetLoadContext(typeof(StateStoreRegistry).Assembly) ?? AssemblyLoadContext.Default;
        var name = AssemblyName.GetAssemblyName(path);
        return context.Assemblies.FirstOrDefault(loaded => AssemblyName.ReferenceMatchesDefinition(name, loaded.GetName()))
            ?? context.LoadFromAssemblyPath(path);
    }
}
