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
            new[] { "build/ModelStore.Build.props", "build/ModelStore.Build.targets", "tools/net/ModelStore.Build.Tasks.dll", "tools/net/ModelStore.dll", "tools/net/ModelStore.S3.dll", "tools/net/AWSSDK.S3.dll", "tools/net/ModelStore.GitHub.dll", "tools/net/Octokit.dll", "tools/net/ModelStore.Azure.dll", "tools/net/Azure.Storage.Blobs.dll", "tools/net/Azure.Identity.dll", "tools/net/ModelStore.HuggingFace.dll", "analyzers/dotnet/cs/ModelStore.Generators.dll" },
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
        var pdb = symbols.Entries.Single(entry => entry.FullName == "lib/net8.0/ModelStore.pdb");
        using var pdbStream = new MemoryStream();
        await using (var entry = pdb.Open())
        {
            await entry.CopyToAsync(pdbStream);
        }

        pdbStream.Position = 0;
        using var provider = System.Reflection.Metadata.MetadataReaderProvider.FromPortablePdbStream(pdbStream);
        var reader = provider.GetMetadataReader();
        var sourceLinkKind = new Guid("CC110556-A091-4D38-9FEC-25AB9A351A6A");
        var sourceLink = reader.CustomDebugInformation
            .Select(reader.GetCustomDebugInformation)
            .Where(information => reader.GetGuid(information.Kind) == sourceLinkKind)
            .Select(information => System.Text.Encoding.UTF8.GetString(reader.GetBlobBytes(information.Value)))
            .Single();
        StringAssert.Contains(sourceLink, "https://raw.githubusercontent.com/");
    }

    [TestMethod]
    public async Task The_docs_pin_the_version_the_repository_packs()
    {
        var feed = await PackageFeed.GetAsync();
        var props = File.ReadAllText(Path.Combine(PackageFeed.RepositoryRoot, "src", "Directory.Build.props"));
        var minimum = System.Text.RegularExpressions.Regex.Match(props, "<MinVerMinimumMajorMinor>([0-9.]+)</MinVerMinimumMajorMinor>").Groups[1].Value;
        StringAssert.StartsWith(feed.Version, minimum + ".", "a clone without tags packs the minimum major.minor");
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
            Assert.IsTrue(pins.All(pin => pin == minimum + ".0"), $"{doc} pins {string.Join(", ", pins)}; expected exactly {minimum}.0");
        }
    }
}
