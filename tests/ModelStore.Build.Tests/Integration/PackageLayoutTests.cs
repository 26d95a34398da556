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
            new[] { "build/ModelStore.Build.props", "build/ModelStore.Build.targets", "tools/net/ModelStore.Build.Tasks.dll", "tools/net/ModelStore.dll", "tools/net/ModelStore.S3.dll", "tools/net/AWSSDK.S3.dll", "tools/net/ModelStore.GitHub.dll", "tools/net/Octokit.dll", "tools/net/ModelStore.HuggingFace.dll", "analyzers/dotnet/cs/ModelStore.Generators.dll" },
            entries,
            string.Join("\n", entries));
        Assert.IsFalse(entries.Any(entry => entry.Contains("Microsoft.Build", StringComparison.OrdinalIgnoreCase)), "MSBuild's own assemblies are never shipped");
        Assert.IsFalse(entries.Any(entry => entry.StartsWith("lib/", StringComparison.Ordinal)), "the runtime comes from the ModelStore dependency");

        using var nuspec = package.Entries.Single(entry => entry.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        var dependencies = XDocument.Load(nuspec).Descendants().Where(element => element.Name.LocalName == "dependency").ToList();
        Assert.AreEqual("ModelStore", dependencies.Single().Attribute("id")?.Value);
    }
}
