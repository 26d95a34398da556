using System.Diagnostics;
using ModelStore.Plums.Storage;
using ModelStore.Plums.Validation;
using ModelStore.Plums.Yaml;

namespace ModelStore.Plums.Tests;

/// <summary>
/// Random mutations of a real <c>metadata.yaml</c>, seeded: the text, the parsed tree, and whole model folders on disk.
/// Every case must end in a valid model or typed offences; never another exception, never a hang.
/// 11 300 cases in all (6 000 text, 5 000 tree, 300 folders); the seed is fixed so a failure names its case.
/// </summary>
[TestClass]
public sealed class MetadataFuzzTests
{
    private const int Seed = 20261123;
    private const int TextCases = 6_000;
    private const int TreeCases = 5_000;
    private const int FolderCases = 300;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(60);

    internal static readonly string[] Tokens =
    [
        ":", ": ", "- ", "\n", "  ", "'", "\"", "&a ", "*a", "!!str ", "!!int ", "!!float ", "!!python/name:x ", "!custom ", "[", "]", "{", "}",
        "#", "|", ">", "%", "@", "`", "?", "? ", ",", "\t", "null", "~", "yes", "off", "0x1F", "017", "1e5", "1.5", "-1", ".nan", "-.inf",
        "99999999999999999999999", "é", "\u2028", "\0", "\u0085", "<<", "=", "---", "...", "\\", "\r", "\r\n", "\uFEFF", "2020-01-01",
        "1:30", "0b11", "status", "latest", "checkpoints", "epoch", "path", "hash", "pmf", "file", "running", "finished", "pending",
        "failed", "../x", "/abs", "data/checkpoints/x.pt", "d41d8cd98f00b204e9800998ecf8427e", "1.0.0", "py_pa", "x", "0", "7", "-",
    ];

    private static string BaseMetadata(TempFolder folder, out string root)
    {
        var model = Models.Trained(folder);
        root = folder["model"];
        model.Save(root);
        return File.ReadAllText(Path.Combine(root, "metadata.yaml"));
    }

    private static void RunBounded(string what, Action<Action<int>> body)
    {
        var current = -1;
        var watch = Stopwatch.StartNew();
        var task = Task.Run(() => body(i => Volatile.Write(ref current, i)));
        if (!task.Wait(Budget))
        {
            Assert.Fail($"{what}: no answer within {Budget} (hang at case {Volatile.Read(ref current)}, seed {Seed}).");
        }

        task.GetAwaiter().GetResult();
        Console.WriteLine($"{what}: {current + 1} cases in {watch.ElapsedMilliseconds} ms");
    }

    private static PmfMetadata? Validate(string text, List<PlumsOffence> offences, int index)
    {
        try
        {
            var result = TreeValidator.ValidateMetadataText(text, offences);
            Assert.AreEqual(result is null, offences.Count > 0, $"case {index}: a result comes with no offence, no result with some");
            return result;
        }
        catch (Exception e) when (e is not AssertFailedException)
        {
            Assert.Fail($"case {index} (seed {Seed}) crashed with {e.GetType().Name}: {e.Message}\n---\n{text}");
            return null;
        }
    }

    [TestMethod]
    public void MutatedMetadataTextOnlyEverGivesOffences()
    {
        using var folder = new TempFolder();
        var original = BaseMetadata(folder, out _);
        int valid = 0, invalid = 0;
        RunBounded("text mutations", progress =>
        {
            var random = new Random(Seed);
            for (var i = 0; i < TextCases; i++)
            {
                progress(i);
                var text = original;
                for (var m = random.Next(1, 4); m > 0; m--)
                {
                    text = Mutations.MutateText(text, random);
                }

                var offences = new List<PlumsOffence>();
                var result = Validate(text, offences, i);
                if (result is null)
                {
                    invalid++;
                    continue;
                }

                valid++;
                // What validates writes back to text that validates to the same metadata.
                var rewritten = YamlWriter.Write(result.ToYaml());
                var again = Validate(rewritten, [], i)!;
                Assert.AreEqual(result, again with { Checkpoints = result.Checkpoints }, $"case {i}");
                CollectionAssert.AreEqual(result.Checkpoints.ToList(), again.Checkpoints.ToList(), $"case {i}");
                Assert.AreEqual(rewritten, YamlWriter.Write(again.ToYaml()), $"case {i}");
            }
        });

        Assert.IsTrue(invalid > TextCases / 3, $"{invalid} invalid cases");
        Assert.IsTrue(valid > 100, $"{valid} valid cases");
    }

    [TestMethod]
    public void MutatedMetadataTreesOnlyEverGiveOffencesAndSurviveWriting()
    {
        using var folder = new TempFolder();
        var original = BaseMetadata(folder, out _);
        int valid = 0, invalid = 0;
        RunBounded("tree mutations", progress =>
        {
            var random = new Random(Seed + 1);
            for (var i = 0; i < TreeCases; i++)
            {
                progress(i);
                var tree = YamlReader.Read(original);
                for (var m = random.Next(1, 4); m > 0; m--)
                {
                    Mutations.MutateTree(tree, random);
                }

                var direct = new List<PlumsOffence>();
                PmfMetadata? result;
                try
                {
                    result = MetadataValidator.Validate(tree, direct);
                }
                catch (Exception e)
                {
                    Assert.Fail($"case {i} (seed {Seed + 1}) crashed with {e.GetType().Name}: {e.Message}\n---\n{YamlWriter.Write(tree)}");
                    return;
                }

                _ = result is null ? invalid++ : valid++;

                // Writing the mutated tree and reading it back gives the same offences and the same text.
                var text = YamlWriter.Write(tree);
                var reread = new List<PlumsOffence>();
                Validate(text, reread, i);
                CollectionAssert.AreEquivalent(direct.Select(o => o.ToString()).ToList(), reread.Select(o => o.ToString()).ToList(), $"case {i}:\n{text}");
                Assert.AreEqual(text, YamlWriter.Write(YamlReader.Read(text)), $"case {i}");
            }
        });

        Assert.IsTrue(invalid > TreeCases / 3, $"{invalid} invalid cases");
        Assert.IsTrue(valid > 100, $"{valid} valid cases");
    }

    [TestMethod]
    public void MutatedModelFoldersLoadOrFailWithTypedErrors()
    {
        using var folder = new TempFolder();
        var original = BaseMetadata(folder, out var pristine);
        var files = Directory.GetFiles(pristine, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(pristine, f)).ToArray();
        int loaded = 0, tree = 0, metadata = 0;
        RunBounded("model folder mutations", progress =>
        {
            var random = new Random(Seed + 2);
            for (var i = 0; i < FolderCases; i++)
            {
                progress(i);
                var root = folder[$"case-{i}"];
                TempFolder.CopyTree(pristine, root);
                var text = random.Next(3) == 0 ? original : Mutations.MutateText(original, random);
                File.WriteAllText(Path.Combine(root, "metadata.yaml"), text);
                for (var m = random.Next(0, 3); m > 0; m--)
                {
                    var target = Path.Combine(root, files[random.Next(files.Length)]);
                    switch (random.Next(4))
                    {
                        case 0 when File.Exists(target):
                            File.Delete(target);
                            break;
                        case 1 when File.Exists(target):
                            File.AppendAllText(target, "!");
                            break;
                        case 2:
                            Directory.CreateDirectory(Path.Combine(Path.GetDirectoryName(target)!, "sub" + random.Next(3)));
                            break;
                        default:
                            File.WriteAllText(Path.Combine(root, "data", "extra-" + random.Next(3)), "x");
                            break;
                    }
                }

                try
                {
                    var model = Model.Load(root, strict: random.Next(2) == 0, verbose: random.Next(2) == 0);
                    Assert.IsFalse(string.IsNullOrEmpty(model.Id));
                    loaded++;
                }
                catch (PlumsTreeValidationException e)
                {
                    Assert.IsTrue(e.Offences.Count > 0);
                    tree++;
                }
                catch (PlumsMetadataValidationException e)
                {
                    Assert.IsTrue(e.Offences.Count > 0);
                    metadata++;
                }
                catch (Exception e) when (e is not AssertFailedException)
                {
                    Assert.Fail($"case {i} (seed {Seed + 2}) crashed with {e.GetType().Name}: {e.Message}\n---\n{text}");
                }

                Directory.Delete(root, recursive: true);
            }
        });

        Assert.IsTrue(loaded > 20 && tree > 20 && metadata > 20, $"loaded {loaded}, tree errors {tree}, metadata errors {metadata}");
    }
}
