using System.Diagnostics;
using System.IO.Compression;

namespace ModelStore.Build.Tests.Integration;

/// <summary>
/// The same commit packs the same bytes: two clones of the repository's HEAD in folders of different names, each packed
/// as CI packs it (CI=true), give byte-identical dlls, pdbs, nupkgs and snupkgs.
/// </summary>
[TestClass]
[DoNotParallelize] // Two full restores and packs of the repository: alone, so they neither slow nor are slowed by other builds.
public sealed class DeterministicPackagesTests
{
    private static readonly string[] Projects = ["src/ModelStore/ModelStore.csproj", "src/ModelStore.Build/ModelStore.Build.csproj"];

    [TestMethod]
    public async Task Two_clones_of_one_commit_pack_byte_identical_binaries_and_packages()
    {
        var root = Directory.CreateTempSubdirectory("msb-det-").FullName;
        try
        {
            var commit = Git(PackageFeed.RepositoryRoot, "rev-parse", "HEAD");
            var first = await CloneAndPackAsync(root, "first", commit);
            var second = await CloneAndPackAsync(root, "second-clone-elsewhere", commit);

            var binaries = Binaries(first);
            Assert.IsTrue(binaries.Any(path => path.EndsWith("ModelStore.Generators.dll", StringComparison.Ordinal)), string.Join('\n', binaries));
            CollectionAssert.AreEquivalent(binaries, Binaries(second));
            var packages = Directory.GetFiles(Path.Combine(first, "out")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
            Assert.HasCount(4, packages, "a .nupkg and a .snupkg per project");
            CollectionAssert.AreEqual(packages, Directory.GetFiles(Path.Combine(second, "out")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList());

            foreach (var relative in binaries.Concat(packages.Select(name => Path.Combine("out", name!))))
            {
                var a = Path.Combine(first, relative);
                var b = Path.Combine(second, relative);
                if (relative.StartsWith("out", StringComparison.Ordinal))
                {
                    AssertSameEntries(a, b); // names the differing entry, if any, before the byte comparison below
                }

                CollectionAssert.AreEqual(File.ReadAllBytes(a), File.ReadAllBytes(b), $"{relative} differs between the two builds of {commit}");
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<string> CloneAndPackAsync(string root, string name, string commit)
    {
        var clone = Path.Combine(root, name);
        Git(root, "clone", "--quiet", "--no-checkout", PackageFeed.RepositoryRoot, clone);
        Git(clone, "checkout", "--quiet", commit);
        foreach (var project in Projects)
        {
            var pack = await DotNet.RunAsync(TimeSpan.FromMinutes(15), clone, new Dictionary<string, string> { ["CI"] = "true" }, "pack", project, "-c", "Release", "-o", "out", "-nodeReuse:false", "-v:q");
            pack.AssertSucceeded();
        }

        return clone;
    }

    /// <summary>Every dll and pdb the packs built, relative to the clone.</summary>
    private static List<string> Binaries(string clone) =>
        Directory.GetFiles(Path.Combine(clone, "src"), "*.*", SearchOption.AllDirectories)
            .Where(path => path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal) && (path.EndsWith(".dll", StringComparison.Ordinal) || path.EndsWith(".pdb", StringComparison.Ordinal)))
            .Where(path => Path.GetFileName(path).StartsWith("ModelStore", StringComparison.Ordinal))
            .Select(path => Path.GetRelativePath(clone, path))
            .Order(StringComparer.Ordinal)
            .ToList();

    private static void AssertSameEntries(string first, string second)
    {
        using var a = ZipFile.OpenRead(first);
        using var b = ZipFile.OpenRead(second);
        CollectionAssert.AreEqual(a.Entries.Select(entry => entry.FullName).ToList(), b.Entries.Select(entry => entry.FullName).ToList(), Path.GetFileName(first));
        foreach (var entry in a.Entries)
        {
            var other = b.GetEntry(entry.FullName)!;
            CollectionAssert.AreEqual(Read(entry), Read(other), $"{Path.GetFileName(first)}: {entry.FullName}");
            Assert.AreEqual(entry.LastWriteTime, other.LastWriteTime, $"{Path.GetFileName(first)}: time of {entry.FullName}");
        }
    }

    private static byte[] Read(ZipArchiveEntry entry)
    {
        using var stream = entry.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static string Git(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.AreEqual(0, process.ExitCode, $"git {string.Join(' ', arguments)}: {error}");
        return output.Trim();
    }
}
