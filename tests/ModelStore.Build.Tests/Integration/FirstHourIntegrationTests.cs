using System.IO.Compression;
using System.Security;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Build.Tests.Integration;

/// <summary>
/// What a new user types in the first hour, run for real against the packed feed: `dotnet new console` and `dotnet add
/// package`, Central Package Management, the README's snippet in a packed library, F# and VB projects, and a publish
/// job (`dotnet publish --no-build`) on a machine whose cache is empty.
/// </summary>
[TestClass]
public sealed partial class FirstHourIntegrationTests
{
    private const string Key = "pytorch/tiny-mlp.digits.v1";
    private const string CopiedPath = "modelstates/pytorch.tiny-mlp.digits.v1.pt";
    private const int Size = 20_000;

    [TestMethod]
    public async Task Dotnet_add_package_compiles_and_runs_the_accessors_and_publish_no_build_fetches_into_an_empty_cache()
    {
        var user = await FirstHourFolder.CreateAsync("first-hour-cli");
        var sha256 = user.Publish(Key);
        (await user.RunAsync("new", "console", "-n", "app", "-o", ".")).AssertSucceeded();
        (await user.RunAsync("add", "package", "ModelStore.Build", "--version", user.Feed.Version)).AssertSucceeded();
        var project = File.ReadAllText(user.ProjectFile);
        StringAssert.Contains(project, "<PrivateAssets>all</PrivateAssets>", "dotnet add package marks the development dependency private");
        Assert.DoesNotContain("compile", Regex.Match(project, "<IncludeAssets>(.*)</IncludeAssets>").Groups[1].Value, "the CLI leaves compile out of IncludeAssets: the case under test");
        user.AddItems($"""<ModelState Include="{Key}" Store="local" CopyToOutputDirectory="PreserveNewest" />""");
        File.WriteAllText(Path.Combine(user.Folder, "Program.cs"), """
            using var bytes = app.ModelStates.TinyMlpDigitsV1.OpenRead();
            Console.WriteLine($"read {bytes.Length} sha256={app.ModelStates.TinyMlpDigitsV1.Sha256}");
            """);

        var build = await user.RunAsync("build", "-nodeReuse:false", "-tl:off", "-m:2");
        build.AssertSucceeded();
        Assert.DoesNotContain("CS0400", build.Output, build.ToString());
        Assert.MatchesRegex(FetchedIn(), build.Output, "the fetch time has one decimal, whatever node logs it");
        StringAssert.Contains((await user.RunAsync(Path.Combine(user.Folder, "bin", "Debug", "net10.0", "app.dll"))).Output, $"read {Size} sha256={sha256}");

        // The publish job: another machine (here, the same one with its cache emptied), the build's output and lock file.
        Directory.Delete(user.Home, recursive: true);
        var published = Path.Combine(user.Folder, "published");
        var publish = await user.RunAsync("publish", "--no-build", "-c", "Debug", "-nodeReuse:false", "-tl:off", "-o", published);
        publish.AssertSucceeded();
        Assert.DoesNotContain("MSB3030", publish.Output, publish.ToString());
        StringAssert.Contains(publish.Output, $"fetched {Key}", publish.ToString());
        Assert.IsTrue(File.Exists(Path.Combine(published, "ModelStore.dll")), "the runtime is published although the package reference is private");
        Assert.AreEqual(sha256, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(published, CopiedPath)))));
        Directory.Delete(user.Home, recursive: true);
        StringAssert.Contains((await user.RunAsync(Path.Combine(published, "app.dll"))).Output, $"read {Size} sha256={sha256}", "the published app runs without any cache");

        // A publish job that cannot fetch stops with the resolution's coded error, not MSBuild's uncoded copy error.
        var offline = await user.RunAsync("publish", "--no-build", "-c", "Debug", "-nodeReuse:false", "-tl:off", "-o", Path.Combine(user.Folder, "published-offline"), "-p:ModelStoreOffline=true");
        Assert.AreNotEqual(0, offline.ExitCode, offline.ToString());
        StringAssert.Contains(offline.Output, "error MST0006", offline.ToString());
        StringAssert.Contains(offline.Output, Key, offline.ToString());
        Assert.DoesNotContain("MSB3030", offline.Output, offline.ToString());
    }

    [TestMethod]
    public async Task Central_package_management_compiles_and_a_reference_without_the_runtime_is_MST0023_not_CS0400()
    {
        var user = await FirstHourFolder.CreateAsync("first-hour-cpm");
        var sha256 = user.Publish(Key);
        File.WriteAllText(Path.Combine(user.Folder, "Directory.Packages.props"), $"""
            <Project>
              <PropertyGroup><ManagePackageVersionsCentrally>true</ManagePackageVersionsCentrally></PropertyGroup>
              <ItemGroup><PackageVersion Include="ModelStore.Build" Version="{user.Feed.Version}" /></ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(user.Folder, "Program.cs"), """Console.WriteLine($"sha256={Cpm.ModelStates.Digits.Sha256}");""");
        user.WriteProject("""<PackageReference Include="ModelStore.Build" />""", $"""<ModelState Include="{Key}" Store="local" AccessorName="Digits" />""");
        (await user.RunAsync("build", "-nodeReuse:false", "-tl:off")).AssertSucceeded();
        StringAssert.Contains((await user.RunAsync(Path.Combine(user.Folder, "bin", "Debug", "net10.0", "app.dll"))).Output, $"sha256={sha256}");

        user.WriteProject("""<PackageReference Include="ModelStore.Build" IncludeAssets="build; analyzers" PrivateAssets="all" />""", $"""<ModelState Include="{Key}" Store="local" AccessorName="Digits" />""");
        var build = await user.RunAsync("build", "-nodeReuse:false", "-tl:off");
        Assert.AreNotEqual(0, build.ExitCode, build.ToString());
        StringAssert.Contains(build.Output, "error MST0023", build.ToString());
        StringAssert.Contains(build.Output, $"<PackageReference Include=\"ModelStore\" Version=\"{user.Feed.Version}\" />", "the error names the package and version to add");
        Assert.DoesNotContain("CS0400", build.Output, build.ToString());
    }

    [TestMethod]
    public async Task The_READMEs_references_restore_and_a_packed_library_depends_on_ModelStore_and_not_on_ModelStore_Build()
    {
        var user = await FirstHourFolder.CreateAsync("first-hour-library");
        user.Publish(Key);
        var readme = File.ReadAllText(Path.Combine(PackageFeed.RepositoryRoot, "README.md"));
        var snippet = ReadmeReferences().Matches(readme).Select(match => match.Value).ToList();
        Assert.HasCount(2, snippet, "the README shows one ModelStore.Build and one ModelStore reference");
        var state = $"""<ModelState Include="{Key}" Store="local" CopyToOutputDirectory="PreserveNewest" />""";

        user.WriteProject(string.Join('\n', snippet), state, outputType: "Library");
        var pack = await user.RunAsync("pack", "-c", "Debug", "-nodeReuse:false", "-tl:off", "-o", "out");
        pack.AssertSucceeded();
        Assert.DoesNotContain("MST0026", pack.Output, pack.ToString());
        var dependencies = NuspecDependencies(Directory.GetFiles(Path.Combine(user.Folder, "out"), "*.nupkg").Single());
        CollectionAssert.Contains(dependencies, "ModelStore", "the library's accessors need the runtime at its users'");
        CollectionAssert.DoesNotContain(dependencies, "ModelStore.Build", "a build tool is not passed on");

        // Written by hand without PrivateAssets, or as `dotnet add package` writes it without the runtime: MST0026 says what to write.
        foreach (var (reference, expected) in new[]
        {
            ($"""<PackageReference Include="ModelStore.Build" Version="{user.Feed.Version}" />""", "PrivateAssets=\"all\""),
            ($"""<PackageReference Include="ModelStore.Build" Version="{user.Feed.Version}" PrivateAssets="all" IncludeAssets="runtime; build; native; contentfiles; analyzers; buildtransitive" />""", "<PackageReference Include=\"ModelStore\""),
        })
        {
            user.WriteProject(reference, state, outputType: "Library");
            var warned = await user.RunAsync("pack", "-c", "Debug", "-nodeReuse:false", "-tl:off", "-o", "out");
            warned.AssertSucceeded();
            StringAssert.Contains(warned.Output, "warning MST0026", warned.ToString());
            StringAssert.Contains(warned.Output, expected, warned.ToString());
        }
    }

    [TestMethod]
    [DataRow("F#", "fsproj", "Program.fs", """
        let state = ModelStore.PretrainedState("{0}", "local", "{1}", {2}L, "{3}")
        let bytes = state.OpenRead()
        printfn "read %d sha256=%s" bytes.Length state.Sha256
        bytes.Dispose()
        """)]
    [DataRow("VB", "vbproj", "Program.vb", """
        Module Program
            Sub Main()
                Dim state = New ModelStore.PretrainedState("{0}", "local", "{1}", {2}L, "{3}")
                Using bytes = state.OpenRead()
                    Console.WriteLine("read " & bytes.Length & " sha256=" & state.Sha256)
                End Using
            End Sub
        End Module
        """)]
    public async Task FSharp_and_VB_projects_get_MST0024_and_still_fetch_lock_and_copy_their_states(string language, string extension, string programFile, string program)
    {
        var user = await FirstHourFolder.CreateAsync("first-hour-" + extension);
        var sha256 = user.Publish(Key);
        (await user.RunAsync("new", "console", "-lang", language, "-n", "app", "-o", ".")).AssertSucceeded();
        (await user.RunAsync("add", "package", "ModelStore.Build", "--version", user.Feed.Version)).AssertSucceeded();
        user.AddItems($"""<ModelState Include="{Key}" Store="local" CopyToOutputDirectory="PreserveNewest" />""", "app." + extension);
        // What the warning tells the user to write: the state from its lock-file entry, through the runtime API.
        File.WriteAllText(Path.Combine(user.Folder, programFile), string.Format(System.Globalization.CultureInfo.InvariantCulture, program, Key, sha256, Size, CopiedPath));

        var build = await user.RunAsync("build", "-nodeReuse:false", "-tl:off");
        build.AssertSucceeded();
        StringAssert.Contains(build.Output, "warning MST0024", build.ToString());
        StringAssert.Contains(build.Output, $"this is a {language} project", build.ToString());
        StringAssert.Contains(File.ReadAllText(Path.Combine(user.Folder, "modelstates.lock.json")), sha256, "the state is locked");
        var output = Path.Combine(user.Folder, "bin", "Debug", "net10.0");
        Assert.IsTrue(File.Exists(Path.Combine(output, CopiedPath)), "the state is copied");
        Directory.Delete(user.Home, recursive: true);
        StringAssert.Contains((await user.RunAsync(Path.Combine(output, "app.dll"))).Output, $"read {Size} sha256={sha256}", "the app reads the copied state without a cache");
    }

    private static List<string> NuspecDependencies(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        var nuspec = zip.Entries.Single(entry => entry.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using var stream = nuspec.Open();
        return XDocument.Load(stream).Descendants().Where(element => element.Name.LocalName == "dependency").Select(element => (string)element.Attribute("id")!).ToList();
    }

    [GeneratedRegex("""ModelStore: fetched \S+ from store 'local': [0-9.]+ KB in [0-9]+\.[0-9] s \(""")]
    private static partial Regex FetchedIn();

    [GeneratedRegex("""<PackageReference Include="ModelStore(\.Build)?" Version="[^"]+"[^>]*/>""")]
    private static partial Regex ReadmeReferences();

    /// <summary>A user's folder: the feed's nuget.config and global.json, a local store, and the cache of its builds.</summary>
    private sealed class FirstHourFolder
    {
        private FirstHourFolder(PackageFeed feed, string folder)
        {
            Feed = feed;
            Folder = folder;
        }

        public PackageFeed Feed { get; }

        public string Folder { get; }

        public string Store => Path.Combine(Folder, "states");

        public string Home => Path.Combine(Folder, "home");

        public string ProjectFile => Directory.GetFiles(Folder, "app.*proj").Single();

        public static async Task<FirstHourFolder> CreateAsync(string name)
        {
            var feed = await PackageFeed.GetAsync();
            var folder = Path.Combine(feed.Root, name);
            Directory.CreateDirectory(folder);
            feed.WriteConsumerConfiguration(folder);
            return new FirstHourFolder(feed, folder);
        }

        public string Publish(string key)
        {
            var bytes = RandomNumberGenerator.GetBytes(Size);
            new LocalStateStore(Store).WriteAsync(StateKey.Parse(key), new MemoryStream(bytes)).GetAwaiter().GetResult();
            return Convert.ToHexStringLower(SHA256.HashData(bytes));
        }

        /// <summary>Adds the local store and <paramref name="items"/> to the project `dotnet new` wrote.</summary>
        public void AddItems(string items, string projectFile = "app.csproj")
        {
            var path = Path.Combine(Folder, projectFile);
            var project = File.ReadAllText(path);
            var close = project.LastIndexOf("</Project>", StringComparison.Ordinal);
            File.WriteAllText(path, project[..close] + $"""
                  <ItemGroup>
                    <ModelStore Include="local" Kind="Local" Folder="{SecurityElement.Escape(Store)}" />
                    {items}
                  </ItemGroup>
                </Project>
                """);
        }

        /// <summary>Writes app.csproj with the given package references and ModelState items.</summary>
        public void WriteProject(string references, string states, string outputType = "Exe") =>
            File.WriteAllText(Path.Combine(Folder, "app.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>{outputType}</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <RootNamespace>Cpm</RootNamespace>
                    <AssemblyName>app</AssemblyName>
                  </PropertyGroup>
                  <ItemGroup>
                    {references}
                    <ModelStore Include="local" Kind="Local" Folder="{SecurityElement.Escape(Store)}" />
                    {states}
                  </ItemGroup>
                </Project>
                """);

        public Task<CommandResult> RunAsync(params string[] arguments) =>
            DotNet.RunAsync(Folder, new Dictionary<string, string> { ["NUGET_PACKAGES"] = Feed.PackagesFolder, ["MODELSTORE_HOME"] = Home }, arguments);
    }
}
