using ModelStore.Stores;

namespace ModelStore.Arrow;

/// <summary>
/// An Arrow model row could not be read, validated or loaded. <see cref="RowError"/> says why. It is a
/// <see cref="StateStoreException"/> with <see cref="StateStoreError.InvalidContent"/>, so code that loads states
/// from a store catches one exception family.
/// </summary>
public class ModelRowException : StateStoreException
{
    /// <summary>Creates a model row error.</summary>
    public ModelRowException(ModelRowError rowError, string message, Exception? innerException = null)
        : base(StateStoreError.InvalidContent, message, null, innerException)
    {
        RowError = rowError;
    }

    /// <summary>Creates a model row error (for serializers and tooling).</summary>
    public ModelRowException()
        : this(ModelRowError.MalformedFile, "The Arrow model row is invalid.")
    {
    }

    /// <summary>Creates a model row error (for serializers and tooling).</summary>
    public ModelRowException(string message)
        : this(ModelRowError.MalformedFile, message)
    {
    }

    /// <summary>Creates a model row error (for serializers and tooling).</summary>
    public ModelRowException(string message, Exception innerException)
        : this(ModelRowError.MalformedFile, message, innerException)
    {
    }

    /// <summary>What is wrong with the row.</summary>
    public ModelRowError RowError { get; }
}
