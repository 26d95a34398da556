using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace ModelStore.Plums.Yaml;

/// <summary>A YAML text PyYAML's <c>safe_load</c> would refuse.</summary>
internal sealed class YamlReadException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Reads one YAML document into a <see cref="YNode"/> tree with PyYAML <c>safe_load</c> semantics: YAML 1.1 implicit
/// types, standard tags only, a repeated key keeps its last value, anchors and aliases shared (never expanded, so an
/// alias bomb stays small), recursive aliases refused.
/// </summary>
internal static class YamlReader
{
    private const int MaxDepth = 64;
    private const int MaxNodes = 1_000_000;

    /// <summary>Parses <paramref name="text"/>; an empty document is <c>null</c>, as in PyYAML.</summary>
    /// <exception cref="YamlReadException">The text is not YAML PyYAML's safe loader accepts.</exception>
    public static YNode Read(string text)
    {
        try
        {
            var parser = new Parser(new StringReader(text));
            var state = new State(parser);
            state.Expect<StreamStart>();
            if (parser.Accept<StreamEnd>(out _))
            {
                return YScalar.Null();
            }

            state.Expect<DocumentStart>();
            var root = state.ReadNode(0);
            state.Expect<DocumentEnd>();
            if (!parser.Accept<StreamEnd>(out _))
            {
                throw new YamlReadException("expected a single document in the stream");
            }

            return root;
        }
        catch (YamlException e)
        {
            throw new YamlReadException($"not valid YAML: {e.Message}", e);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or OverflowException or IndexOutOfRangeException)
        {
            throw new YamlReadException($"not valid YAML: {e.Message}", e);
        }
    }

    private sealed class State(IParser parser)
    {
        private readonly Dictionary<string, YNode?> _anchors = new(StringComparer.Ordinal);
        private int _nodes;

        public T Expect<T>()
            where T : ParsingEvent
        {
            if (parser.Current is null && !parser.MoveNext())
            {
                throw new YamlReadException($"unexpected end of stream, expected {typeof(T).Name}");
            }

            if (parser.Current is not T current)
            {
                throw new YamlReadException($"expected {typeof(T).Name} but found {parser.Current?.GetType().Name} at {parser.Current?.Start}");
            }

            parser.MoveNext();
            return current;
        }

        public YNode ReadNode(int depth)
        {
            if (depth > MaxDepth)
            {
                throw new YamlReadException($"nesting deeper than {MaxDepth} levels");
            }

            if (++_nodes > MaxNodes)
            {
                throw new YamlReadException($"more than {MaxNodes} nodes");
            }

            var current = parser.Current ?? throw new YamlReadException("unexpected end of stream");
            switch (current)
            {
                case AnchorAlias alias:
                    parser.MoveNext();
                    if (!_anchors.TryGetValue(alias.Value.Value, out var target))
                    {
                        throw new YamlReadException($"found undefined alias '{alias.Value.Value}'");
                    }

                    return target ?? throw new YamlReadException($"recursive alias '{alias.Value.Value}' is not supported");

                case Scalar scalar:
                    parser.MoveNext();
                    return Remember(scalar.Anchor, ResolveScalar(scalar));

                case SequenceStart start:
                {
                    parser.MoveNext();
                    CheckCollectionTag(start.Tag, "tag:yaml.org,2002:seq");
                    Reserve(start.Anchor);
                    var sequence = new YSequence();
                    while (!parser.Accept<SequenceEnd>(out _))
                    {
                        sequence.Items.Add(ReadNode(depth + 1));
                    }

                    parser.MoveNext();
                    return Remember(start.Anchor, sequence);
                }

                case MappingStart start:
                {
                    parser.MoveNext();
                    CheckCollectionTag(start.Tag, "tag:yaml.org,2002:map");
                    Reserve(start.Anchor);
                    var mapping = new YMapping();
                    while (!parser.Accept<MappingEnd>(out _))
                    {
                        var key = ReadNode(depth + 1);
                        if (key is not YScalar scalarKey)
                        {
                            throw new YamlReadException($"found unhashable key ({key.Describe()})");
                        }

                        mapping.Set(scalarKey, ReadNode(depth + 1));
                    }

                    parser.MoveNext();
                    return Remember(start.Anchor, mapping);
                }

                default:
                    throw new YamlReadException($"unexpected {current.GetType().Name} at {current.Start}");
            }
        }

        private void Reserve(AnchorName anchor)
        {
            if (!anchor.IsEmpty)
            {
                _anchors[anchor.Value] = null;
            }
        }

        private YNode Remember(AnchorName anchor, YNode node)
        {
            if (!anchor.IsEmpty)
            {
                _anchors[anchor.Value] = node;
            }

            return node;
        }

        private static void CheckCollectionTag(TagName tag, string expected)
        {
            if (!tag.IsEmpty && tag.Value != expected && tag.Value != "!")
            {
                throw new YamlReadException($"could not determine a constructor for the tag '{tag.Value}'");
            }
        }

        private static YScalar ResolveScalar(Scalar scalar)
        {
            var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
            if (tag is null)
            {
                if (scalar.Style is ScalarStyle.Plain or ScalarStyle.Any)
                {
                    return Yaml11Resolver.ResolvePlain(scalar.Value)
                        ?? throw new YamlReadException($"could not determine a constructor for the plain scalar '{scalar.Value}'");
                }

                return YScalar.String(scalar.Value);
            }

            switch (tag)
            {
                case "!":
                case "tag:yaml.org,2002:str":
                    return YScalar.String(scalar.Value);
                case "tag:yaml.org,2002:null" when Yaml11Resolver.IsNull(scalar.Value):
                    return YScalar.Null();
                case "tag:yaml.org,2002:bool" when Yaml11Resolver.IsBool(scalar.Value):
                case "tag:yaml.org,2002:int" when Yaml11Resolver.IsInt(scalar.Value):
                case "tag:yaml.org,2002:float" when Yaml11Resolver.IsFloat(scalar.Value):
                    return Yaml11Resolver.ResolvePlain(scalar.Value)!;
                default:
                    throw new YamlReadException($"could not construct '{scalar.Value}' with the tag '{tag}'");
            }
        }
    }
}
