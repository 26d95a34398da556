using System.Collections;
using System.Globalization;
using System.Numerics;
using ModelStore.Plums.Yaml;

namespace ModelStore.Plums.Storage;

/// <summary>Converts build parameters between YAML trees and plain .NET values.</summary>
internal static class BuildParametersYaml
{
    private const int MaxValues = 1_000_000;

    /// <summary>
    /// A mapping becomes a <see cref="Dictionary{TKey,TValue}"/> (non-string keys by their YAML text), a list a
    /// <see cref="List{T}"/>, an int a <see cref="long"/> (or <see cref="BigInteger"/>), a float a <see cref="double"/>.
    /// </summary>
    public static Dictionary<string, object?> FromYaml(YNode node)
    {
        var count = 0;
        return node switch
        {
            YScalar { Kind: YScalarKind.Null } => new Dictionary<string, object?>(StringComparer.Ordinal),
            YMapping mapping => (Dictionary<string, object?>)Convert(mapping, ref count)!,
            _ => throw new YamlReadException($"expected a mapping of build parameters, found {node.Describe()}"),
        };
    }

    private static object? Convert(YNode node, ref int count)
    {
        if (++count > MaxValues)
        {
            throw new YamlReadException($"more than {MaxValues} values once aliases are expanded");
        }

        switch (node)
        {
            case YMapping mapping:
                var dictionary = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (key, value) in mapping.Entries)
                {
                    dictionary[key.Kind == YScalarKind.String ? key.Text : YamlWriter.Scalar(key)] = Convert(value, ref count);
                }

                return dictionary;
            case YSequence sequence:
                var list = new List<object?>(sequence.Items.Count);
                foreach (var item in sequence.Items)
                {
                    list.Add(Convert(item, ref count));
                }

                return list;
            case YScalar scalar:
                return scalar.Kind switch
                {
                    YScalarKind.Null => null,
                    YScalarKind.Bool => scalar.BoolValue,
                    YScalarKind.Int when scalar.IntValue >= long.MinValue && scalar.IntValue <= long.MaxValue => (long)scalar.IntValue,
                    YScalarKind.Int => scalar.IntValue,
                    YScalarKind.Float => scalar.FloatValue,
                    _ => scalar.Text,
                };
            default:
                throw new YamlReadException("unexpected node");
        }
    }

    /// <summary>Converts plain .NET values to a YAML tree.</summary>
    /// <exception cref="ArgumentException">A value YAML cannot hold.</exception>
    public static YNode ToYaml(object? value, int depth = 0)
    {
        if (depth > 64)
        {
            throw new ArgumentException("Build parameters nest deeper than 64 levels (a cycle?).");
        }

        switch (value)
        {
            case null:
                return YScalar.Null();
            case string s:
                return YScalar.String(s);
            case bool b:
                return YScalar.Bool(b);
            case byte or sbyte or short or ushort or int or uint or long or ulong:
                return YScalar.Int(BigInteger.Parse(System.Convert.ToString(value, CultureInfo.InvariantCulture)!, CultureInfo.InvariantCulture));
            case BigInteger big:
                return YScalar.Int(big);
            case float or double or decimal:
                return YScalar.Float(System.Convert.ToDouble(value, CultureInfo.InvariantCulture));
            case IDictionary dictionary:
                var mapping = new YMapping();
                foreach (DictionaryEntry entry in dictionary)
                {
                    mapping.Set(entry.Key is string key ? YScalar.String(key) : (ToYaml(entry.Key, depth + 1) as YScalar ?? throw new ArgumentException("Build parameter keys must be scalars.")), ToYaml(entry.Value, depth + 1));
                }

                return mapping;
            case IEnumerable<KeyValuePair<string, object?>> pairs:
                var map = new YMapping();
                foreach (var (key, item) in pairs)
                {
                    map.Set(key, ToYaml(item, depth + 1));
                }

                return map;
            case IEnumerable enumerable:
                var sequence = new YSequence();
                foreach (var item in enumerable)
                {
                    sequence.Items.Add(ToYaml(item, depth + 1));
                }

                return sequence;
            default:
                throw new ArgumentException($"Build parameter values must be strings, numbers, booleans, null, lists or dictionaries; found {value.GetType()}.");
        }
    }
}
