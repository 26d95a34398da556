using System.Numerics;
using System.Text;
using ModelStore.Plums.Yaml;

namespace ModelStore.Plums.Tests;

/// <summary>Random mutations of YAML text and of parsed YAML trees, for the fuzz tests.</summary>
internal static class Mutations
{
    public static string MutateText(string text, Random random)
    {
        var position = text.Length == 0 ? 0 : random.Next(text.Length + 1);
        var lines = text.Split('\n').ToList();
        var line = random.Next(lines.Count);
        switch (random.Next(9))
        {
            case 0:
                return text.Insert(position, MetadataFuzzTests.Tokens[random.Next(MetadataFuzzTests.Tokens.Length)]);
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
                    lines[line] = lines[line][..(colon + 2)] + MetadataFuzzTests.Tokens[random.Next(MetadataFuzzTests.Tokens.Length)];
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

    public static void MutateTree(YNode root, Random random)
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
        _ => YScalar.String(MetadataFuzzTests.Tokens[random.Next(MetadataFuzzTests.Tokens.Length)].Replace("\0", "", StringComparison.Ordinal)),
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
