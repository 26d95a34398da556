using System.Diagnostics;
using System.Numerics;
using System.Text;
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

    private static readonly string[] Tokens =
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
                    text = MutateText(text, random);
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
                Assert.AreEqual(result, Validate(rewritten, [], i) with { Checkpoints = result.Checkpoints }, $"case {i}");
                Assert.AreEqual(rewritten, YamlWriter.Write(Validate(rewritten, [], i)!.ToYaml()), $"case {i}");
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
                    MutateTree(tree, random);
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
                var text = random.Next(3) == 0 ? original : MutateText(original, random);
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

    private static string MutateText(string text, Random random)
    {
        var position = text.Length == 0 ? 0 : random.Next(text.Length + 1);
        var lines = text.Split('\n').ToList();
        var line = random.Next(lines.Count);
        switch (random.Next(9))
        {
            case 0:
                return text.Insert(position, Tokens[random.Next(Tokens.Length)]);
            case 1:
                var length = Math.Min(random.Next(1, 12), text.Length - Math.Min(position, text.Length));
                return text.Remove(Math.Min(position, text.Length), length);
            case 2:
                lines.Insert(line, lines[random.Next(lines.Count)]);
                return string.Join('\n', lines);
            case 3:
                lines.RemoveAt(line);
                return string.Join('\n', lines);
            case 4:
                var other = random.Next(lines.Count);
                (lines[line], lines[other]) = (lines[other], lines[line]);
                return string.Join('\n', lines);
            case 5:
                lines[line] = random.Next(2) == 0 ? "  " + lines[line] : lines[line].TrimStart().PadLeft(Math.Max(0, lines[line].Length - 2));
                return string.Join('\n', lines);
            case 6:
                var colon = lines[line].IndexOf(": ", StringComparison.Ordinal);
                if (colon >= 0)
                {
                    lines[line] = lines[line][..(colon + 2)] + Tokens[random.Next(Tokens.Length)];
                }

                return string.Join('\n', lines);
            case 7:
                return text[..position];
            default:
                var chars = text.ToCharArray();
                if (chars.Length > 0)
                {
                    chars[random.Next(chars.Length)] = (char)random.Next(0x20, 0x7F);
                }

                return new string(chars);
        }
    }

    private static void MutateTree(YNode root, Random random)
    {
        var slots = new List<(YNode Parent, int Index)>();
        Collect(root, slots, 0);
        var mappings = slots.Select(s => s.Parent).OfType<YMapping>().Distinct().ToList();
        if (root is YMapping rootMapping)
        {
            mappings.Add(rootMapping);
        }

        if (slots.Count == 0 || mappings.Count == 0)
        {
            return;
        }

        var (parent, index) = slots[random.Next(slots.Count)];
        var mapping = mappings[random.Next(mappings.Count)];
        switch (random.Next(6))
        {
            case 0:
            case 1:
                Replace(parent, index, RandomNode(random, 0));
                break;
            case 2:
                if (mapping.Entries.Count > 0)
                {
                    mapping.Entries.RemoveAt(random.Next(mapping.Entries.Count));
                }

                break;
            case 3:
                mapping.Set(RandomScalar(random), RandomNode(random, 0));
                break;
            case 4:
                if (mapping.Entries.Count > 0)
                {
                    var entry = random.Next(mapping.Entries.Count);
                    var value = mapping.Entries[entry].Value;
                    mapping.Entries.RemoveAt(entry);
                    mapping.Set(RandomScalar(random), value);
                }

                break;
            default:
                var (otherParent, otherIndex) = slots[random.Next(slots.Count)];
                var first = Get(parent, index);
                var second = Get(otherParent, otherIndex);
                if (!Contains(first, second) && !Contains(second, first))
                {
                    Replace(parent, index, second);
                    Replace(otherParent, otherIndex, first);
                }

                break;
        }
    }

    private static void Collect(YNode node, List<(YNode, int)> slots, int depth)
    {
        if (depth > 20)
        {
            return;
        }

        switch (node)
        {
            case YMapping mapping:
                for (var i = 0; i < mapping.Entries.Count; i++)
                {
                    slots.Add((mapping, i));
                    Collect(mapping.Entries[i].Value, slots, depth + 1);
                }

                break;
            case YSequence sequence:
                for (var i = 0; i < sequence.Items.Count; i++)
                {
                    slots.Add((sequence, i));
                    Collect(sequence.Items[i], slots, depth + 1);
                }

                break;
        }
    }

    private static bool Contains(YNode outer, YNode inner) =>
        ReferenceEquals(outer, inner) || outer switch
        {
            YMapping m => m.Entries.Any(e => Contains(e.Value, inner)),
            YSequence s => s.Items.Any(i => Contains(i, inner)),
            _ => false,
        };

    private static YNode Get(YNode parent, int index) => parent is YMapping m ? m.Entries[index].Value : ((YSequence)parent).Items[index];

    private static void Replace(YNode parent, int index, YNode value)
    {
        if (parent is YMapping m)
        {
            m.Entries[index] = new(m.Entries[index].Key, value);
        }
        else
        {
            ((YSequence)parent).Items[index] = value;
        }
    }

    private static YNode RandomNode(Random random, int depth)
    {
        var choice = depth > 3 ? 0 : random.Next(10);
        if (choice == 8)
        {
            var sequence = new YSequence();
            for (var i = random.Next(4); i > 0; i--)
            {
                sequence.Items.Add(RandomNode(random, depth + 1));
            }

            return sequence;
        }

        if (choice == 9)
        {
            var mapping = new YMapping();
            for (var i = random.Next(4); i > 0; i--)
            {
                mapping.Set(RandomScalar(random), RandomNode(random, depth + 1));
            }

            return mapping;
        }

        return RandomScalar(random);
    }

    private static YScalar RandomScalar(Random random) => random.Next(9) switch
    {
        0 => YScalar.Null(),
        1 => YScalar.Bool(random.Next(2) == 0),
        2 => YScalar.Int(random.Next(-3, 15)),
        3 => YScalar.Int(BigInteger.Pow(10, random.Next(9, 30)) * (random.Next(2) == 0 ? 1 : -1)),
        4 => YScalar.Float(random.Next(5) switch { 0 => double.NaN, 1 => double.PositiveInfinity, _ => (random.NextDouble() * 2e9) - 1e9 }),
        5 => YScalar.Timestamp("2020-01-0" + random.Next(1, 9)),
        6 => YScalar.String(RandomText(random)),
        _ => YScalar.String(Tokens[random.Next(Tokens.Length)].Replace("\0", "", StringComparison.Ordinal)),
    };

    private static string RandomText(Random random)
    {
        var builder = new StringBuilder();
        for (var i = random.Next(0, 12); i > 0; i--)
        {
            builder.Append(random.Next(6) switch
            {
                0 => (char)random.Next(0x20, 0x7F),
                1 => (char)random.Next(0x00, 0x20),
                2 => (char)random.Next(0xA0, 0x3000),
                3 => ':',
                4 => ' ',
                _ => (char)random.Next('a', 'z' + 1),
            });
        }

        return builder.ToString();
    }
}
