using System.Collections.Immutable;

namespace ModelStore.States;

/// <summary>
/// A family of interchangeable weights (MoZuMa's <c>StateType</c>): a backend, an architecture and
/// optional extras that tell variants apart (number of classes, input size, ...).
/// </summary>
/// <remarks>
/// Immutable with structural equality. Two state types are <em>compatible</em> when backend and
/// architecture are equal; extras may differ (an ImageNet head can partially initialise a binary classifier).
/// The canonical text form is <c>backend/architecture[.extra...]</c>.
/// </remarks>
public sealed class StateType : IEquatable<StateType>
{
    /// <summary>Creates a state type, validating every name.</summary>
    /// <param name="backend">The model backend, for example <c>pytorch</c>.</param>
    /// <param name="architecture">The architecture, for example <c>resnet18</c>.</param>
    /// <param name="extras">Variant identifiers, for example <c>cls1000</c>.</param>
    /// <exception cref="ArgumentException">A name breaks the valid-name rule.</exception>
    public StateType(string backend, string architecture, params IEnumerable<string> extras)
    {
        Backend = StateName.Validate(backend, "backend", nameof(backend));
        Architecture = StateName.Validate(architecture, "architecture", nameof(architecture));
        ArgumentNullException.ThrowIfNull(extras);
        var builder = ImmutableArray.CreateBuilder<string>();
        foreach (var extra in extras)
        {
            builder.Add(StateName.Validate(extra, $"extra #{builder.Count + 1}", nameof(extras)));
        }

        Extras = builder.ToImmutable();
    }

    /// <summary>The model backend (for example <c>pytorch</c>).</summary>
    public string Backend { get; }

    /// <summary>The architecture (for example <c>resnet18</c>).</summary>
    public string Architecture { get; }

    /// <summary>Variant identifiers, in order (for example <c>cls1000</c>).</summary>
    public ImmutableArray<string> Extras { get; }

    /// <summary>Whether states of <paramref name="other"/> can be loaded by a model of this type: backend and architecture are equal.</summary>
    public bool IsCompatibleWith(StateType other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return string.Equals(Backend, other.Backend, StringComparison.Ordinal)
            && string.Equals(Architecture, other.Architecture, StringComparison.Ordinal);
    }

    /// <summary>Returns the same backend and architecture with other extras.</summary>
    public StateType WithExtras(params IEnumerable<string> extras) => new(Backend, Architecture, extras);

    /// <summary>Parses <c>backend/architecture[.extra...]</c>.</summary>
    /// <exception cref="FormatException">The text is not a state type.</exception>
    public static StateType Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            throw new FormatException($"\"{text}\" is not a state type: expected backend/architecture[.extra...].");
        }

        var parts = text[(slash + 1)..].Split('.');
        try
        {
            return new StateType(text[..slash], parts[0], parts[1..]);
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"\"{text}\" is not a state type: {e.Message}", e);
        }
    }

    /// <summary>The canonical text form, <c>backend/architecture[.extra...]</c>.</summary>
    public override string ToString() =>
        Extras.IsEmpty ? $"{Backend}/{Architecture}" : $"{Backend}/{Architecture}.{string.Join('.', Extras)}";

    /// <inheritdoc />
    public bool Equals(StateType? other) =>
        other is not null
        && IsCompatibleWith(other)
        && Extras.AsSpan().SequenceEqual(other.Extras.AsSpan());

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as StateType);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Backend, StringComparer.Ordinal);
        hash.Add(Architecture, StringComparer.Ordinal);
        foreach (var extra in Extras)
        {
            hash.Add(extra, StringComparer.Ordinal);
        }

        return hash.ToHashCode();
    }

    /// <summary>Structural equality.</summary>
    public static bool operator ==(StateType? left, StateType? right) => Equals(left, right);

    /// <summary>Structural inequality.</summary>
    public static bool operator !=(StateType? left, StateType? right) => !Equals(left, right);
}
