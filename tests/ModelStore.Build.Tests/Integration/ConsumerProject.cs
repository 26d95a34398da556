using System.Security;
using System.Security.Cryptography;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Build.Tests.Integration;

/// <summary>
/// A tiny console app in a temporary folder that references the packed ModelStore.Build package (its own
/// nuget.config: the run's feed for ModelStore*, nuget.org for anything else) and reads its states through the
/// generated accessors.
/// </summary>
internal sealed class ConsumerProject
{
    private const string Program = """
        foreach (var state in Consumer.ModelStates.All)
        {
            using var stream = state.OpenRead();
            long read = 0;
            var buffer = new byte[81920];
            int count;
            while ((count = stream.Read(buffer)) > 0)
            {
                read += count;
            }

            Console.WriteLine($"state {state.Key} size={state.Size} sha256={state.Sha256} read={read}");
        }
        """;

    private readonly PackageFeed _feed;
    private readonly List<string> _states = [];
    private readonly List<string> _stores = [];
    private readonly List<string> _packages = [];
    private readonly List<string> _fromMachinePackages = [];

    private ConsumerProject(PackageFeed feed, string folder, string storeFolder, string home)
    {
        _feed = feed;
        Folder = folder;
        StoreFolder = storeFolder;
        Home = home;
    }

    public string Folder { get; }

    /// <summary>The local store the project declares as <c>local</c>.</summary>
    public string StoreFolder { get; }

    /// <summary>The machine-wide cache used by the builds and the app (MODELSTORE_HOME).</summary>
    public string Home { get; }

    public string LockFile => Path.Combine(Folder, "modelstates.lock.json");

    public string OutputFolder => Path.Combine(Folder, "bin", "Debug", TargetFramework);

    /// <summary>The project's TargetFramework (net10.0 unless set before the first item is declared).</summary>
    public string TargetFramework { get; set; } = "net10.0";

    /// <summary>The project's RootNamespace, where the generated ModelStates class goes (Consumer unless set before the first item is declared).</summary>
    public string RootNamespace { get; set; } = "Consumer";

    /// <summary>The intermediate folder of the Debug build.</summary>
    public string IntermediateFolder => Path.Combine(Folder, "obj", "Debug", TargetFramework);

    /// <summary>Creates the project folder; the store and the cache are its own unless given.</summary>
    public static async Task<ConsumerProject> CreateAsync(string name, string? storeFolder = null, string? home = null)
    {
        var feed = await PackageFeed.GetAsync().ConfigureAwait(false);
        var folder = Path.Combine(feed.Root, name);
        Directory.CreateDirectory(folder);
        var consumer = new ConsumerProject(feed, folder, storeFolder ?? Path.Combine(folder, "states"), home ?? Path.Combine(folder, "home"));
        Directory.CreateDirectory(consumer.StoreFolder);
        File.WriteAllText(Path.Combine(folder, "Program.cs"), Program);
        feed.WriteConsumerConfiguration(folder);
        return consumer;
    }

    /// <summary>Publishes random bytes under <paramref name="key"/> in the store; returns their SHA-256.</summary>
    public string Publish(string key, int size = 20_000, bool overwrite = false)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        new LocalStateStore(StoreFolder).WriteAsync(StateKey.Parse(key), new MemoryStream(bytes), overwrite).GetAwaiter().GetResult();
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    /// <summary>Declares a ModelState item (Include and raw attributes) and rewrites the project file.</summary>
    public ConsumerProject WithState(string key, string attributes = "Store=\"local\"")
    {
        _states.Add($"""    <ModelState Include="{key}" {attributes} />""");
        WriteProject();
        return this;
    }

    /// <summary>Declares another ModelStore item (Include and raw attributes) and rewrites the project file.</summary>
    public ConsumerProject WithStore(string name, string attributes)
    {
        _stores.Add($"""    <ModelStore Include="{name}" {attributes} />""");
        WriteProject();
        return this;
    }

    /// <summary>Adds a PackageReference (a package of the run's feed, or a third-party one) and rewrites the project file.</summary>
    public ConsumerProject WithPackage(string id, string version)
    {
        _packages.Add($"""    <PackageReference Include="{id}" Version="{version}" />""");
        WriteProject();
        return this;
    }

    /// <summary>
    /// Restores the third-party package <paramref name="id"/> (a direct or a transitive reference) from the NuGet
    /// packages folder of the test run itself when it holds <paramref name="version"/>, rather than downloading it
    /// again into the consumer's fresh packages folder (ONNX Runtime's package is 160 MB); nuget.org otherwise.
    /// </summary>
    public ConsumerProject RestoreFromMachinePackages(string id, string version)
    {
        if (PackageFeed.MachinePackagesHold(id, version))
        {
            _fromMachinePackages.Add(id);
            _feed.WriteConsumerConfiguration(Folder, _fromMachinePackages);
        }

        return this;
    }

    /// <summary>Variables added to the environment of the builds and of the app (credentials, for instance).</summary>
    public Dictionary<string, string> ExtraEnvironment { get; } = [];

    public Task<CommandResult> BuildAsync(params string[] arguments) =>
        DotNet.RunAsync(Folder, Environment, ["build", "-nodeReuse:false", "-tl:off", "-v:n", .. arguments]);

    public Task<CommandResult> PublishAsync(string output) =>
        DotNet.RunAsync(Folder, Environment, "publish", "--no-build", "-c", "Debug", "-nodeReuse:false", "-o", output);

    public Task<CommandResult> RunAppAsync(string? folder = null) =>
        DotNet.RunAsync(Folder, Environment, Path.Combine(folder ?? OutputFolder, "app.dll"));

    /// <summary>Runs the built app from the output folder with command-line arguments.</summary>
    public Task<CommandResult> RunAppWithArgumentsAsync(params string[] arguments) =>
        DotNet.RunAsync(Folder, Environment, [Path.Combine(OutputFolder, "app.dll"), .. arguments]);

    private Dictionary<string, string> Environment => new(ExtraEnvironment)
    {
        ["NUGET_PACKAGES"] = _feed.PackagesFolder,
        ["MODELSTORE_HOME"] = Home,
    };

    private void WriteProject()
    {
        var version = _feed.Version;
        File.WriteAllText(Path.Combine(Folder, "app.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>{TargetFramework}</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <RootNamespace>{RootNamespace}</RootNamespace>
                <AssemblyName>app</AssemblyName>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="ModelStore.Build" Version="{version}" />
            {string.Join("\n", _packages)}
                <ModelStore Include="local" Kind="Local" Folder="{SecurityElement.Escape(StoreFolder)}" />
            {string.Join("\n", _stores)}
            {string.Join("\n", _states)}
              </ItemGroup>
            </Project>
            """);
    }
}
