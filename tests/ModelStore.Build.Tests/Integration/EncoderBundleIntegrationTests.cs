using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using ModelStore.HuggingFace.Testing;
using ModelStore.OnnxRuntime.Tests;

namespace ModelStore.Build.Tests.Integration;

/// <summary>
/// docs/huggingface.md's worked example, as written there: a sentence encoder declared as ONE bundle state (the ONNX
/// graph, vocab.txt, tokenizer.json, config.json) from a Hub repository pinned by commit, tokenized with
/// Microsoft.ML.Tokenizers and run by ONNX Runtime in a consumer app built with the real `dotnet build` against the
/// packed feed. The repository (on the local Hub-compatible server) holds a small BERT-like encoder that real PyTorch
/// builds at test time with a Hub BERT export's interface (bert_fixtures.py); the app's sentence embeddings must be
/// PyTorch's within 1e-5 + 1e-4·|x| per component.
/// </summary>
[TestClass]
public sealed class EncoderBundleIntegrationTests
{
    private const string Doc = "docs/huggingface.md";
    private const string Section = "## Worked example: a sentence encoder as one bundle";

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task The_worked_example_builds_runs_and_embeds_sentences_as_PyTorch_does_from_one_bundle_pinned_by_commit_after_main_moves()
    {
        var (project, program) = WorkedExample();
        var (fixtures, manifest) = PyTorchFixtures.Make("bert_fixtures.py");
        try
        {
            var store = project.Elements("ModelStore").Single();
            var state = project.Elements("ModelState").Single();
            var repository = (string)store.Attribute("Repository")!;
            var files = ((string)state.Attribute("Files")!).Split(';');
            await using var hub = await FakeHuggingFaceHub.StartAsync();
            hub.AddRepository(repository);

            // The repository lays the files out as the Hub model does (the graph under onnx/), with a file the bundle leaves out.
            var content = files.ToDictionary(path => path, path => (byte[]?)File.ReadAllBytes(Path.Combine(fixtures, Path.GetFileName(path))));
            content["README.md"] = "# a small BERT-like encoder made by PyTorch at test time\n"u8.ToArray();
            var commit = hub.Commit(repository, content);

            var app = await ConsumerProject.CreateAsync("encoder-bundle");
            app.RootNamespace = "MyApp";
            await DeclarePackagesAsync(app, project);
            store.SetAttributeValue("Endpoint", hub.Endpoint.ToString());
            app.WithStore((string)store.Attribute("Include")!, Attributes(store))
                .WithState((string)state.Attribute("Include")!, Attributes(state));
            File.WriteAllText(Path.Combine(app.Folder, "Program.cs"), program);

            var build = await app.BuildAsync();
            build.AssertSucceeded();

            // The lock entry pins the commit and every declared file, with the bytes PyTorch wrote.
            using (var lockFile = JsonDocument.Parse(File.ReadAllBytes(app.LockFile)))
            {
                var entry = lockFile.RootElement.GetProperty("states").GetProperty((string)state.Attribute("Include")!);
                Assert.AreEqual(commit, entry.GetProperty("revision").GetString(), entry.ToString());
                var locked = entry.GetProperty("files").EnumerateArray().ToDictionary(file => file.GetProperty("path").GetString()!, file => file.GetProperty("sha256").GetString());
                CollectionAssert.AreEquivalent(files, locked.Keys.ToArray(), entry.ToString());
                foreach (var path in files)
                {
                    Assert.AreEqual(Convert.ToHexStringLower(SHA256.HashData(content[path]!)), locked[path], path);
                }
            }

            Assert.IsFalse(hub.Requests.Any(request => request.PathAndQuery.EndsWith("/README.md", StringComparison.Ordinal)), "A file the bundle leaves out is never downloaded.");

            var sentences = manifest.GetProperty("sentences").EnumerateArray().Select(s => s.GetString()!).ToArray();
            var run = await app.RunAppWithArgumentsAsync(sentences);
            run.AssertSucceeded();
            var printed = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(line => line.StartsWith('{')).Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToArray();
            Assert.HasCount(sentences.Length, printed, run.ToString());

            var worst = 0f;
            for (var i = 0; i < sentences.Length; i++)
            {
                Assert.AreEqual(sentences[i], printed[i].GetProperty("sentence").GetString(), run.ToString());
                var expected = manifest.GetProperty("alone")[i].EnumerateArray().Select(e => e.GetSingle()).ToArray();
                var actual = printed[i].GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray();
                Assert.HasCount(expected.Length, actual, sentences[i]);
                for (var c = 0; c < expected.Length; c++)
                {
                    var difference = Math.Abs(expected[c] - actual[c]);
                    worst = Math.Max(worst, difference);
                    Assert.IsLessThanOrEqualTo(1e-5f + (1e-4f * Math.Abs(expected[c])), difference, $"{sentences[i]}: component {c} is {actual[c]}, PyTorch gives {expected[c]}");
                }
            }

            TestContext.WriteLine($"largest difference from PyTorch: {worst:E2} over {sentences.Length} sentences");

            // main moves on (another graph); a locked build on a cold cache still reads the recorded commit, and the app
            // prints the same embeddings.
            var lockText = File.ReadAllText(app.LockFile);
            hub.Commit(repository, new Dictionary<string, byte[]?> { [files[0]] = RandomNumberGenerator.GetBytes(content[files[0]]!.Length) });
            Directory.Delete(app.Home, recursive: true);
            var before = hub.Requests.Count;
            var lockedBuild = await app.BuildAsync("-p:ModelStoreLockedMode=true");
            lockedBuild.AssertSucceeded();
            var requests = hub.Requests.Skip(before).Select(request => request.PathAndQuery).ToList();
            CollectionAssert.Contains(requests, $"/{repository}/resolve/{commit}/{files[0]}", string.Join("\n", requests));
            Assert.IsFalse(requests.Any(path => path.Contains("/main", StringComparison.Ordinal)), string.Join("\n", requests));
            Assert.AreEqual(lockText, File.ReadAllText(app.LockFile));
            var again = await app.RunAppWithArgumentsAsync(sentences);
            again.AssertSucceeded();
            CollectionAssert.AreEqual(printed.Select(line => line.GetRawText()).ToArray(), again.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(line => line.StartsWith('{')).ToArray(), again.ToString());
        }
        finally
        {
            Directory.Delete(fixtures, recursive: true);
        }
    }

    /// <summary>
    /// The worked example's first xml block (its ItemGroup) and first csharp block, read from the doc so that what the
    /// doc shows is what this test builds and runs.
    /// </summary>
    private static (XElement Project, string Program) WorkedExample()
    {
        var doc = File.ReadAllText(Path.Combine(PackageFeed.RepositoryRoot, Doc)).ReplaceLineEndings("\n");
        var start = doc.IndexOf(Section, StringComparison.Ordinal);
        Assert.IsGreaterThanOrEqualTo(0, start, $"{Doc} has no section '{Section}'.");
        var section = doc[start..];
        string Block(string language) =>
            Regex.Match(section, $"```{language}\n(.*?)```", RegexOptions.Singleline) is { Success: true } match ? match.Groups[1].Value : throw new AssertFailedException($"{Doc}'s worked example has no {language} block.");
        return (XElement.Parse(Block("xml")), Block("csharp"));
    }

    /// <summary>
    /// The doc's PackageReferences: ModelStore.Build comes with every consumer; the repository's other packages are
    /// packed into the feed; a third-party package must name the version the repository pins (Directory.Packages.props),
    /// so the doc cannot fall behind it.
    /// </summary>
    private static async Task DeclarePackagesAsync(ConsumerProject app, XElement project)
    {
        var feed = await PackageFeed.GetAsync();
        var pins = XElement.Load(Path.Combine(PackageFeed.RepositoryRoot, "Directory.Packages.props")).Descendants("PackageVersion")
            .ToDictionary(pin => (string)pin.Attribute("Include")!, pin => (string)pin.Attribute("Version")!);
        foreach (var reference in project.Elements("PackageReference"))
        {
            var id = (string)reference.Attribute("Include")!;
            if (id == "ModelStore.Build")
            {
                continue;
            }

            if (id.StartsWith("ModelStore", StringComparison.Ordinal))
            {
                await feed.AddPackageAsync($"src/{id}/{id}.csproj");
                app.WithPackage(id, feed.Version);
                continue;
            }

            Assert.AreEqual(pins[id], (string)reference.Attribute("Version")!, $"{Doc} names {id} at another version than Directory.Packages.props.");
            app.WithPackage(id, pins[id]).RestoreFromMachinePackages(id, pins[id]);
        }

        // ONNX Runtime comes through ModelStore.OnnxRuntime: its 160 MB package from the machine rather than the network.
        app.RestoreFromMachinePackages("Microsoft.ML.OnnxRuntime", pins["Microsoft.ML.OnnxRuntime"]);
    }

    private static string Attributes(XElement item) =>
        string.Join(' ', item.Attributes().Where(a => a.Name != "Include").Select(a => $"{a.Name}=\"{System.Security.SecurityElement.Escape(a.Value)}\""));
}
