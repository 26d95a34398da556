using System.Globalization;

namespace ModelStore.Plums;

/// <summary>
/// The unique reference (name) of a checkpoint. Plums allows a <c>str</c> or an <c>int</c>, and
/// <c>metadata.yaml</c> keeps the difference (<c>1:</c> versus <c>'1':</c>), so this keeps it too: the text
/// <c>"1"</c> and the number <c>1</c> are different references, as in Python.
/// </summary>
public readonly struct CheckpointReference : IEquatable<CheckpointReference>, IComparable<CheckpointReference>
{
    private readonly string? _text;

    /// <summary>A text reference.</summary>
    public CheckpointReference(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        _text = text;
        Number = 0;
    }

    /// <summary>A numeric reference.</summary>
    public CheckpointReference(long number)
    {
        _text = null;
        Number = number;
    }

    /// <summary>Whether the reference is a number (a YAML int) rather than a text.</summary>
    public bool IsNumber => _text is null;

    /// <summary>The number, when <see cref="IsNumber"/>.</summary>
    public long Number { get; }

    /// <summary>The text, when not <see cref="IsNumber"/>; otherwise the number in invariant digits.</summary>
    public string Text => _text ?? Number.ToString(CultureInfo.InvariantCulture);

    /// <summary>A text reference.</summary>
    public static implicit operator CheckpointReference(string text) => new(text);

    /// <summary>A numeric reference.</summary>
    public static implicit operator CheckpointReference(long number) => new(number);

    /// <summary>A numeric reference.</summary>
    public static implicit operator CheckpointReference(int number) => new(number);

    /// <summary>Equality as in Python: same kind and same value.</summary>
    public static bool operator ==(CheckpointReference left, CheckpointReference right) => left.Equals(right);

    /// <summary>Inequality as in Python.</summary>
    public static bool operator !=(CheckpointReference left, CheckpointReference right) => !left.Equals(right);

    /// <summary>Numbers before texts; numbers by value, texts by ordinal.</summary>
    public static bool operator <(CheckpointReference left, CheckpointReference right) => left.CompareTo(right) < 0;

    /// <summary>See <see cref="op_LessThan"/>.</summary>
    public static bool operator >(CheckpointReference left, CheckpointReference right) => left.CompareTo(right) > 0;

    /// <summary>See <see cref="op_LessThan"/>.</summary>
    public static bool operator <=(CheckpointReference left, CheckpointReference right) => left.CompareTo(right) <= 0;

    /// <summary>See <see cref="op_LessThan"/>.</summary>
    public static bool operator >=(CheckpointReference left, CheckpointReference right) => left.CompareTo(right) >= 0;

    /// <inheritdoc />
    public bool Equals(CheckpointReference other) =>
        IsNumber == other.IsNumber && (IsNumber ? Number == other.Number : string.Equals(_text, other._text, StringComparison.Ordinal));

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is CheckpointReference other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => IsNumber ? Number.GetHashCode() : StringComparer.Ordinal.GetHashCode(_text!);

    /// <inheritdoc />
    public int CompareTo(CheckpointReference other)
    {
        if (IsNumber != other.IsNumber)
        {
            return IsNumber ? -1 : 1;
        }

        return IsNumber ? Number.CompareTo(other.Number) : string.CompareOrdinal(_text, other._text);
    }

    /// <summary>The reference as written in messages: a number as is, a text in quotes.</summary>
    public override string ToString() => IsNumber ? Text : $"'{_text}'";
}
