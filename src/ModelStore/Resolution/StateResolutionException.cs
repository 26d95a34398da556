namespace ModelStore.Resolution;

/// <summary>A state could not be resolved, or a lock file not read: <see cref="Failure"/> says why and how to fix it.</summary>
public sealed class StateResolutionException : Exception
{
    /// <summary>Creates the exception of <paramref name="failure"/>.</summary>
    public StateResolutionException(ResolutionFailure failure)
        : this(failure, null)
    {
    }

    /// <summary>Creates the exception of <paramref name="failure"/>, caused by <paramref name="innerException"/>.</summary>
    public StateResolutionException(ResolutionFailure failure, Exception? innerException)
        : base(failure?.Message, innerException)
    {
        ArgumentNullException.ThrowIfNull(failure);
        Failure = failure;
    }

    /// <summary>Creates a failure of <paramref name="kind"/>.</summary>
    public StateResolutionException(ResolutionFailureKind kind, string message)
        : this(new ResolutionFailure(kind, message), null)
    {
    }

    /// <summary>Creates a failure of <paramref name="kind"/>, caused by <paramref name="innerException"/>.</summary>
    public StateResolutionException(ResolutionFailureKind kind, string message, Exception? innerException)
        : this(new ResolutionFailure(kind, message), innerException)
    {
    }

    /// <summary>Creates the exception (for serializers and tooling).</summary>
    public StateResolutionException()
        : this(ResolutionFailureKind.InvalidRequest, "A state could not be resolved.")
    {
    }

    /// <summary>Creates the exception (for serializers and tooling).</summary>
    public StateResolutionException(string message)
        : this(ResolutionFailureKind.InvalidRequest, message)
    {
    }

    /// <summary>Creates the exception (for serializers and tooling).</summary>
    public StateResolutionException(string message, Exception innerException)
        : this(ResolutionFailureKind.InvalidRequest, message, innerException)
    {
    }

    /// <summary>Why.</summary>
    public ResolutionFailure Failure { get; }
}
