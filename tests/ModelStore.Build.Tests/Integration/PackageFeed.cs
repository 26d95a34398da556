namespace ModelStore.Build.Tests.Integration;

/// <summary>
/// The ModelStore and ModelStore.Build packages, packed from this repository once per test run into a temporary
/// folder feed, and a fresh NuGet packages folder so no package of an earlier run is ever used.
/// </summary>
internal sealed class PackageFeed
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static PackageFeed? _instance;
    private readonly HashSet<string> _packed = [];

    private PackageFeed(string root)
    {
        Root = root;
    }

    /// <summary>The run's temporary folder: feed/, packages/ and one folder per consumer project.</summary>
    public string Root { get; }

    public string Feed => Path.Combine(Root, "feed");

    public string PackagesFolder => Path.Combine(Root, "packages");

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The version the repository packed (MinVer: from git tags, else the minimum major.minor as a pre-release).</summary>
    public string Version => Path.GetFileNameWithoutExtension(Directory.GetFiles(Feed, "ModelStore.Build.*.nupkg").Single())["ModelStore.Build.".Length..];

    /// <summary>
    /// The NuGet packages folder of the test run itself (NUGET_PACKAGES, else ~/.nuget/packages): it holds the
    /// third-party packages this repository's projects restored, laid out as a local feed ({id}/{version}/{id}.{version}.nupkg).
    /// </summary>
    public static string MachinePackagesFolder { get; } = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } packages
        ? packages
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    /// <summary>Whether <see cref="MachinePackagesFolder"/> holds the package <paramref name="id"/> at <paramref name="version"/>.</summary>
    public static bool MachinePackagesHold(string id, string version)
    {
        var lower = id.ToLowerInvariant();
        return File.Exists(Path.Combine(MachinePackagesFolder, lower, version, $"{lower}.{version}.nupkg"));
    }

    /// <summary>
    /// Writes a consumer folder's global.json (the repository's SDK) and nuget.config: this run's feed for ModelStore*,
    /// <see cref="MachinePackagesFolder"/> for the <paramref name="fromMachinePackages"/> ids, nuget.org for anything else.
    /// </summary>
    public void WriteConsumerConfiguration(string folder, IReadOnlyCollection<string>? fromMachinePackages = null)
    {
        var machine = fromMachinePackages is { Count: > 0 }
            ? (Source: $"""<add key="machine-packages" value="{System.Security.SecurityElement.Escape(MachinePackagesFolder)}" />""",
               Mapping: $"""<packageSource key="machine-packages">{string.Concat(fromMachinePackages.Select(id => $"<package pattern=\"{id}\" />"))}</packageSource>""")
            : (Source: "", Mapping: "");
        File.Copy(Path.Combine(RepositoryRoot, "global.json"), Path.Combine(folder, "global.json"), overwrite: true);
        File.WriteAllText(Path.Combine(folder, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="test-feed" value="{System.Security.SecurityElement.Escape(Feed)}" />
                {machine.Source}
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="test-feed"><package pattern="ModelStore" /><package pattern="ModelStore.*" /></packageSource>
                {machine.Mapping}
                <packageSource key="nuget.org"><package pattern="*" /></packageSource>
              </packageSourceMapping>
            </configuration>
            """);
    }

    /// <summary>Packs once (the first caller waits for it); later callers get the same feed.</summary>
    public static async Task<PackageFeed> GetAsync()
    {
        await Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_instance is null)
            {
                var feed = new PackageFeed(Directory.CreateTempSubdirectory("msb-it-").FullName);
                await feed.PackAsync().ConfigureAwait(false);
                _instance = feed;
            }

            return _instance;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>
    /// Packs one more of the repository's packages into the feed (<paramref name="project"/> relative to the
    /// repository, for example src/ModelStore.OnnxRuntime/ModelStore.OnnxRuntime.csproj), once per run.
    /// </summary>
    public async Task AddPackageAsync(string project)
    {
        await Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_packed.Add(project))
            {
                await PackAsync(project).ConfigureAwait(false);
            }
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Deletes the run's folder.</summary>
    public static void Cleanup()
    {
        if (_instance is not null)
        {
            try
            {
                Directory.Delete(_instance.Root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private async Task PackAsync()
    {
        foreach (var project in new[] { "src/ModelStore/ModelStore.csproj", "src/ModelStore.Build/ModelStore.Build.csproj" })
        {
            _packed.Add(project);
            await PackAsync(project).ConfigureAwait(false);
        }
    }

    private async Task PackAsync(string project)
    {
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        // A whole build of the package and its task, generator and stores: on a loaded machine more than a consumer build's limit.
        var result = await DotNet.RunAsync(TimeSpan.FromMinutes(15), RepositoryRoot, new Dictionary<string, string>(), "pack", project, "-c", configuration, "-o", Feed, "-nodeReuse:false", "-v:q").ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"Packing {project} failed:\n{result}");
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "ModelStore.Build.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No ModelStore.Build.sln above {AppContext.BaseDirectory}.");
    }
}

[TestClass]
public static class PackageFeedLifetime
{
    [AssemblyCleanup]
    public static void DeleteFeed() => PackageFeed.Cleanup();
}
