using System.Diagnostics.CodeAnalysis;

namespace ModelStore.States;

/// <summary>
/// One concrete state: the result of one training activity for a state type (MoZuMa's <c>StateKey</c>).
/// </summary>
/// <remarks>
/// Canonical text form: <c>backend/architecture[.extra...].trainingId</c>, for example
/// <c>pytorch/resnet18.cls1000.imagenet</c> (architecture <c>resnet18</c>, extra <c>cls1000</c>,
/// training id <c>imagenet</c>). <see cref="Parse"/> and <see cref="ToString"/> round-trip.
/// </remarks>
public sealed class StateKey : IEquatable<StateKey>
{
    /// <summary>Creates a state key.</summary>
    /// <exception cref="ArgumentException">The training id breaks the valid-name rule.</exception>
    public StateKey(StateType stateType, string trainingId)
    {
        ArgumentNullException.ThrowIfNull(stateType);
        StateType = stateType;
        TrainingId = StateName.Validate(trainingId, "training id", nameof(trainingId));
    }

    /// <summary>The family of weights this state belongs to.</summary>
    public StateType StateType { get; }

    /// <summary>Identifies the training activity that produced this state.</summary>
    public string TrainingId { get; }

    /// <summary>Parses <c>backend/architecture[.extra...].trainingId</c>.</summary>
    /// <exception cref="FormatException">The text is not a state key; the message names the offending part.</exception>
    public static StateKey Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var key, out var error) ? key : throw new FormatException(error);
    }

    /// <summary>Parses a state key without throwing.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out StateKey? key) =>
        TryParse(text, out key, out _);

    /// <summary>Parses a state key, giving the reason on failure.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out StateKey? key, [NotNullWhen(false)] out string? error)
    {
        key = null;
        if (text is null)
        {
            error = "A state key is missing.";
            return false;
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            error = $"{Quote(text)} is not a state key: expected backend/architecture[.extra...].trainingId, e.g. pytorch/resnet18.cls1000.imagenet.";
            return false;
        }

        var parts = text[(slash + 1)..].Split('.');
        if (parts.Length < 2)
        {
            error = $"{Quote(text)} is not a state key: the training id is missing (expected backend/architecture[.extra...].trainingId).";
            return false;
        }

        var names = new (string Part, string Value)[parts.Length + 1];
        names[0] = ("backend", text[..slash]);
        names[1] = ("architecture", parts[0]);
        for (var i = 1; i < parts.Length - 1; i++)
        {
            names[i + 1] = ($"extra #{i}", parts[i]);
        }

        names[^1] = ("training id", parts[^1]);
        foreach (var (part, value) in names)
        {
            var problem = StateName.Check(value);
            if (problem is not null)
            {
                error = $"{Quote(text)} is not a state key: its {part} is invalid: {problem}.";
                return false;
            }
        }

        key = new StateKey(new StateType(names[0].Value, names[1].Value, parts[1..^1]), parts[^1]);
        error = null;
        return true;
    }

    /// <summary>The canonical text form, <c>backend/architecture[.extra...].trainingId</c>.</summary>
    public override string ToString() => $"{StateType}.{TrainingId}";

    /// <inheritdoc />
    public bool Equals(StateKey? other) =>
        other is not null && StateType.Equals(other.StateType) && string.Equals(TrainingId, other.TrainingId, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as StateKey);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(StateType, StringComparer.Ordinal.GetHashCode(TrainingId));

    /// <summary>Structural equality.</summary>
    public static bool operator ==(StateKey? left, StateKey? right) => Equals(left, right);

    /// <summary>Structural inequality.</summary>
    public static bool operator !=(StateKey? left, StateKey? right) => !Equals(left, right);

    private static string Quote(string text) =>
        text.Length > 60 ? $"\"{text[..60]}…\" ({text.Length} characters)" : $"\"{text.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\0", "\\0", StringComparison.Ordinal)}\"";
}
