using ModelStore.Stores;

namespace ModelStore.TorchSharp.Formats;

/// <summary>
/// A state file was refused. Part of the <see cref="StateStoreException"/> family with
/// <see cref="StateStoreError.InvalidContent"/>; <see cref="FormatError"/> says precisely why.
/// </summary>
public class StateFormatException : StateStoreException
{
    /// <summary>Creates a format error.</summary>
    public StateFormatException(StateFormatError formatError, string message, Exception? innerException = null)
        : base(StateStoreError.InvalidContent, message, null, innerException)
    {
        FormatError = formatError;
    }

    /// <summary>Creates the refusal of a file in a known format that is not a state.</summary>
    public StateFormatException(ForeignFormat foreignFormat, string message)
        : this(StateFormatError.ForeignFormat, message)
    {
        ForeignFormat = foreignFormat;
    }

    /// <summary>Creates a format error (for serializers and tooling).</summary>
    public StateFormatException()
        : this(StateFormatError.Corrupt, "The state file is malformed.")
    {
    }

    /// <summary>Creates a format error (for serializers and tooling).</summary>
    public StateFormatException(string message)
        : this(StateFormatError.Corrupt, message)
    {
    }

    /// <summary>Creates a format error (for serializers and tooling).</summary>
    public StateFormatException(string message, Exception innerException)
        : this(StateFormatError.Corrupt, message, innerException)
    {
    }

    /// <summary>Why the file was refused.</summary>
    public StateFormatError FormatError { get; }

    /// <summary>What the file is, when it was refused as <see cref="StateFormatError.ForeignFormat"/>; otherwise <see langword="null"/>.</summary>
    public ForeignFormat? ForeignFormat { get; }
}
