using System.Collections.Concurrent;

namespace ModelStore.Plums;

/// <summary>
/// The version of the package that produced a model, in a named format (Plums' <c>Version</c>). Plums registers one
/// format, <c>py_pa</c> (PEP 440, <see cref="PyPaVersion"/>); others can be registered with <see cref="Register"/>.
/// </summary>
public abstract class ProducerVersion : IEquatable<ProducerVersion>, IComparable<ProducerVersion>
{
    private static readonly ConcurrentDictionary<string, Func<string, ProducerVersion>> Formats = new(StringComparer.Ordinal)
    {
        [PyPaVersion.FormatName] = value => new PyPaVersion(value),
    };

    /// <summary>The format identifier written in <c>metadata.yaml</c> (for example <c>py_pa</c>).</summary>
    public abstract string Format { get; }

    /// <summary>The version string as written in <c>metadata.yaml</c> (the normalised form).</summary>
    public abstract string Value { get; }

    /// <summary>The registered format identifiers.</summary>
    public static IReadOnlyCollection<string> RegisteredFormats => Formats.Keys.ToArray();

    /// <summary>Creates a version of a registered format.</summary>
    /// <exception cref="PlumsException">
    /// <see cref="PlumsErrorCode.UnknownVersionFormat"/> for an unregistered format;
    /// <see cref="PlumsErrorCode.InvalidVersion"/> when the format rejects the string.
    /// </exception>
    public static ProducerVersion Create(string format, string value)
    {
        ArgumentNullException.ThrowIfNull(format);
        ArgumentNullException.ThrowIfNull(value);
        if (!Formats.TryGetValue(format, out var factory))
        {
            throw new PlumsException(PlumsErrorCode.UnknownVersionFormat, $"Invalid version format provided: {format} is unknown (known: {string.Join(", ", RegisteredFormats)}).");
        }

        return factory(value);
    }

    /// <summary>Registers (or replaces) a version format.</summary>
    public static void Register(string format, Func<string, ProducerVersion> factory)
    {
        ArgumentException.ThrowIfNullOrEmpty(format);
        ArgumentNullException.ThrowIfNull(factory);
        Formats[format] = factory;
    }

    /// <summary>Whether two versions are equal under their format's rules.</summary>
    public abstract bool Equals(ProducerVersion? other);

    /// <summary>Orders two versions of the same format.</summary>
    /// <exception cref="ArgumentException">The formats differ.</exception>
    public abstract int CompareTo(ProducerVersion? other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ProducerVersion);

    /// <inheritdoc />
    public abstract override int GetHashCode();

    /// <inheritdoc />
    public override string ToString() => Value;

    /// <summary>Equality under the format's rules.</summary>
    public static bool operator ==(ProducerVersion? left, ProducerVersion? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Inequality under the format's rules.</summary>
    public static bool operator !=(ProducerVersion? left, ProducerVersion? right) => !(left == right);

    /// <summary>Ordering under the format's rules.</summary>
    public static bool operator <(ProducerVersion left, ProducerVersion right) => Compare(left, right) < 0;

    /// <summary>Ordering under the format's rules.</summary>
    public static bool operator >(ProducerVersion left, ProducerVersion right) => Compare(left, right) > 0;

    /// <summary>Ordering under the format's rules.</summary>
    public static bool operator <=(ProducerVersion left, ProducerVersion right) => Compare(left, right) <= 0;

    /// <summary>Ordering under the format's rules.</summary>
    public static bool operator >=(ProducerVersion left, ProducerVersion right) => Compare(left, right) >= 0;

    private static int Compare(ProducerVersion left, ProducerVersion right)
    {
        ArgumentNullException.ThrowIfNull(left);
        return left.CompareTo(right);
    }
}
