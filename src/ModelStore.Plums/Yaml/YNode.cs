using System.Globalization;
using System.Numerics;

namespace ModelStore.Plums.Yaml;

/// <summary>The kinds of YAML scalar PyYAML's safe loader produces (YAML 1.1 implicit types).</summary>
internal enum YScalarKind
{
    Null,
    Bool,
    Int,
    Float,
    String,
    Timestamp,
}

/// <summary>A node of a parsed YAML document, typed the way PyYAML's <c>safe_load</c> types it.</summary>
internal abstract class YNode
{
    /// <summary>A short description of the node for offence messages.</summary>
    public abstract string Describe();
}

/// <summary>A scalar: null, bool, int, float, str or timestamp.</summary>
internal sealed class YScalar : YNode
{
    private YScalar(YScalarKind kind, string text)
    {
        Kind = kind;
        Text = text;
    }

    public YScalarKind Kind { get; }

    /// <summary>The string value (for strings) or the source text (for other kinds).</summary>
    public string Text { get; }

    public bool BoolValue { get; private init; }

    public BigInteger IntValue { get; private init; }

    public double FloatValue { get; private init; }

    public static YScalar Null() => new(YScalarKind.Null, "null");

    public static YScalar Bool(bool value) => new(YScalarKind.Bool, value ? "true" : "false") { BoolValue = value };

    public static YScalar Int(BigInteger value) => new(YScalarKind.Int, value.ToString(CultureInfo.InvariantCulture)) { IntValue = value };

    public static YScalar Float(double value) => new(YScalarKind.Float, YamlWriter.FormatFloat(value)) { FloatValue = value };

    public static YScalar String(string value) => new(YScalarKind.String, value);

    public static YScalar Timestamp(string text) => new(YScalarKind.Timestamp, text);

    public bool IsNumber => Kind is YScalarKind.Int or YScalarKind.Float;

    public double NumberValue => Kind == YScalarKind.Int ? (double)IntValue : FloatValue;

    /// <summary>Python dict-key equality: 1 == 1.0 == True, strings by ordinal.</summary>
    public bool KeyEquals(YScalar other)
    {
        if (Kind == YScalarKind.String || other.Kind == YScalarKind.String)
        {
            return Kind == other.Kind && string.Equals(Text, other.Text, StringComparison.Ordinal);
        }

        if (IsNumericLike && other.IsNumericLike)
        {
            return NumericKey.Equals(other.NumericKey);
        }

        return Kind == other.Kind && string.Equals(Text, other.Text, StringComparison.Ordinal);
    }

    private bool IsNumericLike => Kind is YScalarKind.Int or YScalarKind.Float or YScalarKind.Bool;

    private double NumericKey => Kind switch
    {
        YScalarKind.Bool => BoolValue ? 1 : 0,
        YScalarKind.Int => (double)IntValue,
        _ => FloatValue,
    };

    public override string Describe() => Kind switch
    {
        YScalarKind.String => $"'{Truncate(Text)}' (str)",
        YScalarKind.Null => "null",
        _ => $"{Truncate(Text)} ({Kind.ToString().ToLowerInvariant()})",
    };

    private static string Truncate(string text) => text.Length <= 60 ? text : text[..57] + "...";
}

/// <summary>A sequence (Python list).</summary>
internal sealed class YSequence : YNode
{
    public List<YNode> Items { get; } = [];

    public override string Describe() => $"a list of {Items.Count}";
}

/// <summary>A mapping (Python dict) in document order; a repeated key keeps its first position and its last value, as in PyYAML.</summary>
internal sealed class YMapping : YNode
{
    public List<KeyValuePair<YScalar, YNode>> Entries { get; } = [];

    public override string Describe() => $"a mapping of {Entries.Count}";

    public YNode? this[string key] => TryGet(key, out var value) ? value : null;

    public bool TryGet(string key, out YNode value)
    {
        foreach (var (k, v) in Entries)
        {
            if (k.Kind == YScalarKind.String && k.Text == key)
            {
                value = v;
                return true;
            }
        }

        value = null!;
        return false;
    }

    public bool ContainsKey(string key) => TryGet(key, out _);

    public void Set(YScalar key, YNode value)
    {
        for (var i = 0; i < Entries.Count; i++)
        {
            if (Entries[i].Key.KeyEquals(key))
            {
                Entries[i] = new(Entries[i].Key, value);
                return;
            }
        }

        Entries.Add(new(key, value));
    }

    public void Set(string key, YNode value) => Set(YScalar.String(key), value);
}
