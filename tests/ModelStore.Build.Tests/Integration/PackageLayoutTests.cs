using System.IO.Compression;
using System.Xml.Linq;

namespace ModelStore.Build.Tests.Integration;

/// <summary>What `dotnet pack` puts in the ModelStore.Build package.</summary>
[TestClass]
public sealed class PackageLayoutTests
{
    [TestMethod]
    public async Task The_package_has_thin_build_files_the_task_with_its_dependencies_and_the_generator()
    {
        var feed = await PackageFeed.GetAsync();
        using var package = ZipFile.OpenRead(Directory.GetFiles(feed.Feed, "ModelStore.Build.*.nupkg").Single());
        var entries = package.Entries.Select(entry => entry.FullName).ToList();

        CollectionAssert.IsSubsetOf(
            new[] { "build/ModelStore.Build.props", "build/ModelStore.Build.targets", "tools/net/ModelStore.Build.Tasks.dll", "tools/net/ModelStore.dll", "tools/net/ModelStore.S3.dll", "tools/net/AWSSDK.S3.dll", "tools/net/ModelStore.GitHub.dll", "tools/net/Octokit.dll", "tools/net/ModelStore.Azure.dll", "tools/net/Azure.Storage.Blobs.dll", "tools/net/Azure.Identity.dll", "tools/net/ModelStore.HuggingFace.dll", "tools/net/ModelStore.Oci.dll", "analyzers/dotnet/cs/ModelStore.Generators.dll" },
            entries,
            string.Join("\n", entries));
        Assert.IsFalse(entries.Any(entry => entry.Contains("Microsoft.Build", StringComparison.OrdinalIgnoreCase)), "MSBuild's own assemblies are never shipped");
        Assert.IsFalse(entries.Any(entry => entry.StartsWith("lib/", StringComparison.Ordinal)), "the runtime comes from the ModelStore dependency");

        using var nuspec = package.Entries.Single(entry => entry.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        var metadata = XDocument.Load(nuspec).Descendants().Single(element => element.Name.LocalName == "metadata");
        string? Value(string name) => metadata.Elements().SingleOrDefault(element => element.Name.LocalName == name)?.Value;

        // A development dependency: a library packed with it does not pass it on (Grpc.Tools, Microsoft.SourceLink do the same).
        Assert.AreEqual("true", Value("developmentDependency"));
        Assert.AreEqual("README.md", Value("readme"));
        CollectionAssert.Contains(entries, "README.md");
        Assert.IsFalse(string.IsNullOrWhiteSpace(Value("projectUrl")));
        Assert.IsFalse(string.IsNullOrWhiteSpace(Value("releaseNotes")));
        StringAssert.Contains(Value("tags"), "msbuild");
        var repository = metadata.Elements().Single(element => element.Name.LocalName == "repository");
        StringAssert.StartsWith(repository.Attribute("url")?.Value, "https://");

        // The runtime the generated accessors need, for net8.0 and later only: older frameworks restore and get MST0020.
        var group = metadata.Descendants().Single(element => element.Name.LocalName == "group");
        Assert.AreEqual("net8.0", group.Attribute("targetFramework")?.Value);
        var dependency = group.Elements().Single();
        Assert.AreEqual("ModelStore", dependency.Attribute("id")?.Value);
        Assert.AreEqual(feed.Version, dependency.Attribute("version")?.Value);
    }

    [TestMethod]
    public async Task Runtime_packages_have_symbols_with_SourceLink_a_readme_and_the_repository()
    {
        var feed = await PackageFeed.GetAsync();
        var nupkg = Path.Combine(feed.Feed, $"ModelStore.{feed.Version}.nupkg");
        Assert.IsTrue(File.Exists(Path.ChangeExtension(nupkg, ".snupkg")), string.Join("\n", Directory.GetFiles(feed.Feed)));
        using var package = ZipFile.OpenRead(nupkg);
        CollectionAssert.IsSubsetOf(new[] { "README.md", "lib/net8.0/ModelStore.dll", "lib/net10.0/ModelStore.dll" }, package.Entries.Select(entry => entry.FullName).ToList());
        using var nuspec = package.Entries.Single(entry => entry.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        var text = XDocument.Load(nuspec).ToString();
        StringAssert.Contains(text, "<readme>README.md</readme>");
        StringAssert.Contains(text, "<repository type=\"git\" url=\"https://");

        using var symbols = ZipFile.OpenRead(Path.ChangeExtension(nupkg, ".snupkg"));
        StringAssert.Contains(await SourceLinkOfAsync(symbols, "lib/net8.0/ModelStore.pdb"), "https://raw.githubusercontent.com/");
    }

    [TestMethod]
    public async Task The_build_package_has_symbols_for_its_task_and_generator_beside_their_dlls()
    {
        var feed = await PackageFeed.GetAsync();
        var nupkg = Directory.GetFiles(feed.Feed, "ModelStore.Build.*.nupkg").Single();
        var snupkg = Path.ChangeExtension(nupkg, ".snupkg");
        Assert.IsTrue(File.Exists(snupkg), string.Join("\n", Directory.GetFiles(feed.Feed)));
        var withoutSymbols = Directory.GetFiles(feed.Feed, "*.nupkg").Where(candidate => !File.Exists(Path.ChangeExtension(candidate, ".snupkg"))).ToList();
        Assert.IsEmpty(withoutSymbols, "every package has its .snupkg beside it: " + string.Join(", ", withoutSymbols.Select(Path.GetFileName)));
        using var package = ZipFile.OpenRead(nupkg);
        using var symbols = ZipFile.OpenRead(snupkg);
        foreach (var dll in new[] { "tools/net/ModelStore.Build.Tasks.dll", "analyzers/dotnet/cs/ModelStore.Generators.dll" })
        {
            var pdb = Path.ChangeExtension(dll, ".pdb");
            StringAssert.Contains(await SourceLinkOfAsync(symbols, pdb), "https://raw.githubusercontent.com/", pdb);

            // The pdb is the one of the shipped dll: the dll's CodeView record names the pdb's id.
            using var peReader = new System.Reflection.PortableExecutable.PEReader(await ReadEntryAsync(package, dll));
            var codeView = peReader.ReadCodeViewDebugDirectoryData(
                peReader.ReadDebugDirectory().First(entry => entry.Type == System.Reflection.PortableExecutable.DebugDirectoryEntryType.CodeView));
            using var pdbProvider = System.Reflection.Metadata.MetadataReaderProvider.FromPortablePdbStream(await ReadEntryAsync(symbols, pdb));
            var pdbId = new System.Reflection.Metadata.BlobContentId(pdbProvider.GetMetadataReader().DebugMetadataHeader!.Id);
            Assert.AreEqual(codeView.Guid, pdbId.Guid, pdb);
        }
    }

    [TestMethod]
    public async Task The_task_and_its_dependencies_ship_as_ReadyToRun_images_that_keep_their_IL()
    {
        var feed = await PackageFeed.GetAsync();
        using var package = ZipFile.OpenRead(Directory.GetFiles(feed.Feed, "ModelStore.Build.*.nupkg").Single());
        var dlls = package.Entries.Select(entry => entry.FullName).Where(name => name.StartsWith("tools/net/", StringComparison.Ordinal) && name.EndsWith(".dll", StringComparison.Ordinal)).ToList();
        Assert.IsGreaterThan(10, dlls.Count, string.Join(", ", dlls));

        var compiled = 0;
        foreach (var dll in dlls)
        {
            using var peReader = new System.Reflection.PortableExecutable.PEReader(await ReadEntryAsync(package, dll));
            var corHeader = peReader.PEHeaders.CorHeader;
            Assert.IsNotNull(corHeader, dll);

            var metadata = System.Reflection.Metadata.PEReaderExtensions.GetMetadataReader(peReader);
            var bodies = metadata.MethodDefinitions.Select(metadata.GetMethodDefinition).Where(method => method.RelativeVirtualAddress != 0).ToList();
            if (bodies.Count == 0)
            {
                continue; // no method bodies (type forwards only): nothing to compile
            }

            // Native code for linux-x64 (used when MSBuild runs there)...
            compiled++;
            Assert.IsGreaterThan(0, corHeader.ManagedNativeHeaderDirectory.Size, $"{dll} has no ReadyToRun code");

            // A ReadyToRun image marks its target OS by XOR-ing the machine with an OS constant (Linux: 0x7B79).
            Assert.AreEqual(0x8664 ^ 0x7B79, (int)peReader.PEHeaders.CoffHeader.Machine, $"{dll} is not compiled for linux-x64");

            // ...beside the whole IL, which every other platform compiles.
            Assert.IsTrue(bodies.All(method => System.Reflection.Metadata.PEReaderExtensions.GetMethodBody(peReader, method.RelativeVirtualAddress).GetILBytes()!.Length > 0), $"{dll} lost IL bodies");
        }

        Assert.IsGreaterThan(10, compiled, "the task, the stores and their libraries");
    }

    private static async Task<MemoryStream> ReadEntryAsync(ZipArchive archive, string name)
    {
        var entry = archive.Entries.SingleOrDefault(candidate => candidate.FullName == name);
        Assert.IsNotNull(entry, $"{name} missing from the archive: {string.Join(", ", archive.Entries.Select(candidate => candidate.FullName))}");
        var buffer = new MemoryStream();
        await using (var stream = entry.Open())
        {
            await stream.CopyToAsync(buffer);
        }

        buffer.Position = 0;
        return buffer;
    }

    private static async Task<string> SourceLinkOfAsync(ZipArchive symbols, string pdb)
    {
        using var provider = System.Reflection.Metadata.MetadataReaderProvider.FromPortablePdbStream(await ReadEntryAsync(symbols, pdb));
        var reader = provider.GetMetadataReader();
        var sourceLinkKind = new Guid("CC110556-A091-4D38-9FEC-25AB9A351A6A");
        return reader.CustomDebugInformation
            .Select(reader.GetCustomDebugInformation)
            .Where(information => reader.GetGuid(information.Kind) == sourceLinkKind)
            .Select(information => System.Text.Encoding.UTF8.GetString(reader.GetBlobBytes(information.Value)))
            .Single();
    }

    /// <summary>
    /// Every page shows the same version, a floating one that the version this repository packs satisfies (an untagged
    /// clone packs a 1.0.0-alpha pre-release, which "1.0.0" would not restore); FirstHourIntegrationTests restores the
    /// README's references themselves against the packed feed.
    /// </summary>
    [TestMethod]
    public async Task The_docs_show_a_version_the_repository_packs_satisfies()
    {
        var feed = await PackageFeed.GetAsync();
        var props = File.ReadAllText(Path.Combine(PackageFeed.RepositoryRoot, "src", "Directory.Build.props"));
        var major = System.Text.RegularExpressions.Regex.Match(props, "<MinVerMinimumMajorMinor>([0-9]+)\\.[0-9]+</MinVerMinimumMajorMinor>").Groups[1].Value;
        StringAssert.StartsWith(feed.Version, major + ".", "a clone without tags packs the minimum major.minor");
        var shown = major + ".*-*";
        var docs = new[] { "README.md", "src/ModelStore.Build/README.md" }.Concat(Directory.GetFiles(Path.Combine(PackageFeed.RepositoryRoot, "docs"), "*.md").Select(path => Path.GetRelativePath(PackageFeed.RepositoryRoot, path)));
        foreach (var doc in docs)
        {
            var text = File.ReadAllText(Path.Combine(PackageFeed.RepositoryRoot, doc));
            var pins = System.Text.RegularExpressions.Regex.Matches(text, "PackageReference Include=\"ModelStore[.A-Za-z]*\" Version=\"([^\"]+)\"").Select(match => match.Groups[1].Value).ToList();
            if (doc.StartsWith("docs", StringComparison.Ordinal) && pins.Count == 0)
            {
                continue; // A page without a PackageReference has nothing to pin.
            }

            Assert.IsNotEmpty(pins, doc);
            Assert.IsTrue(pins.All(pin => pin == shown), $"{doc} shows {string.Join(", ", pins)}; expected {shown}, the floating version every {major}.x build (pre-releases included) satisfies");
        }
    }
}
