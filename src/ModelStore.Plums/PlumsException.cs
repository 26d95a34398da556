namespace ModelStore.Plums;

/// <summary>The one exception family of the Plums model API (Plums' <c>PlumsError</c>); <see cref="Code"/> says what went wrong.</summary>
public class PlumsException : Exception
{
    /// <summary>Creates an exception with a code and a message.</summary>
    public PlumsException(PlumsErrorCode code, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
    }

    /// <summary>What went wrong.</summary>
    public PlumsErrorCode Code { get; }
}
