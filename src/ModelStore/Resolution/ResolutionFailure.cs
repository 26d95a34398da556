using System.Net.Http;
using ModelStore.Downloads;
using ModelStore.Stores;

namespace ModelStore.Resolution;

/// <summary>
/// Why a state could not be resolved: a <see cref="Kind"/>, the store's own error when a store failed, and a message for
/// a person (one line; no credential, no control character). The one place where exceptions become codes: the build
/// logs <see cref="BuildCode"/>, the command line exits with <see cref="ExitCode"/>.
/// </summary>
public sealed class ResolutionFailure
{
    /// <summary>Creates a failure.</summary>
    public ResolutionFailure(ResolutionFailureKind kind, string message, StateStoreError? storeError = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        Kind = kind;
        Message = message;
        StoreError = storeError;
    }

    /// <summary>What went wrong.</summary>
    public ResolutionFailureKind Kind { get; }

    /// <summary>The store's error, when a store failed.</summary>
    public StateStoreError? StoreError { get; }

    /// <summary>What went wrong and what to do, for a person.</summary>
    public string Message { get; }

    /// <summary>The build's error code (<c>MST0001</c>...).</summary>
    public string BuildCode => BuildCodeOf(Kind);

    /// <summary>The command line's exit code: 2 for what the user must fix in their input, 130 when canceled, else 1.</summary>
    public int ExitCode => Kind switch
    {
        ResolutionFailureKind.InvalidKey or ResolutionFailureKind.UnknownStore or ResolutionFailureKind.InvalidStore
            or ResolutionFailureKind.InvalidLockFile or ResolutionFailureKind.InvalidRequest => 2,
        ResolutionFailureKind.Canceled => 130,
        _ => 1,
    };

    /// <summary>The short code the command line prints (<c>error (NotFound): ...</c>): the store's error when there is one, else the kind.</summary>
    public string Code => StoreError?.ToString() ?? Kind switch
    {
        ResolutionFailureKind.CacheError => "Cache",
        ResolutionFailureKind.StoreError => "Unreachable",
        _ => Kind.ToString(),
    };

    /// <summary>The build's error code of <paramref name="kind"/>.</summary>
    public static string BuildCodeOf(ResolutionFailureKind kind) => kind switch
    {
        ResolutionFailureKind.Canceled => "MST0005",
        _ => $"MST{(int)kind:D4}",
    };

    /// <summary>
    /// The failure an exception of a store, the cache or the network means; <see langword="null"/> for an exception no
    /// resolution expects (a bug, to be reported as such). <paramref name="context"/> starts the message (which state, which store).
    /// </summary>
    public static ResolutionFailure? FromException(Exception exception, string context = "")
    {
        ArgumentNullException.ThrowIfNull(exception);
        var prefix = context.Length == 0 ? "" : context + ": ";
        return exception switch
        {
            StateResolutionException resolution => resolution.Failure,
            StateStoreException { Error: StateStoreError.NotFound or StateStoreError.ContainerNotFound } e => new(ResolutionFailureKind.NotInStore, prefix + Clean(e.Message), e.Error),
            StateStoreException { Error: StateStoreError.IntegrityMismatch } e => new(ResolutionFailureKind.HashMismatch, prefix + Clean(e.Message), e.Error),
            StateStoreException e => new(ResolutionFailureKind.StoreError, prefix + Clean(e.Message), e.Error),
            HttpRequestException e => new(ResolutionFailureKind.StoreError, $"{prefix}cannot be reached: {Clean(e.Message)}", StateStoreError.Unreachable),
            TimeoutException e => new(ResolutionFailureKind.CacheError, $"{prefix}{Clean(e.Message)} Another process may be stuck fetching it; retry, or end that process.", StateStoreError.Timeout),
            OperationCanceledException { InnerException: TimeoutException } e => new(ResolutionFailureKind.StoreError, $"{prefix}no answer in time: {Clean(e.Message)}", StateStoreError.Timeout),
            OperationCanceledException => new(ResolutionFailureKind.Canceled, $"{prefix}canceled; a download through the cache resumes where it stopped next time."),
            IOException or UnauthorizedAccessException => new(ResolutionFailureKind.CacheError, $"{prefix}{Clean(exception.Message)} Check the folder's permissions and free space, or choose another cache."),
            ArgumentException e => new(ResolutionFailureKind.InvalidStore, prefix + Clean(WithoutParameterName(e))),
            FormatException e => new(ResolutionFailureKind.InvalidRequest, prefix + Clean(e.Message)),
            _ => null,
        };
    }

    /// <summary>The message of an <see cref="ArgumentException"/> without the <c> (Parameter 'name')</c> the runtime appends.</summary>
    public static string WithoutParameterName(ArgumentException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.ParamName is null ? exception.Message : exception.Message.Replace($" (Parameter '{exception.ParamName}')", "", StringComparison.Ordinal);
    }

    /// <inheritdoc />
    public override string ToString() => $"{BuildCode} {Kind}: {Message}";

    // Untrusted text (a server's answer, a lock file's value) reaches a terminal or a build log: no secret, one line.
    private static string Clean(string message) => StateStoreSettings.Printable(UrlRedaction.RedactText(message));
}
