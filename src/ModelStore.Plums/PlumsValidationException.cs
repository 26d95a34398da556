namespace ModelStore.Plums;

/// <summary>
/// A PMF model failed validation (Plums' <c>PlumsValidationError</c>). <see cref="Offences"/> lists every offence
/// found, not only the first, and so does the message.
/// </summary>
public abstract class PlumsValidationException : PlumsException
{
    private protected PlumsValidationException(PlumsErrorCode code, string what, string path, IReadOnlyList<PlumsOffence> offences, bool verbose)
        : base(code, Format(what, path, offences, verbose))
    {
        Path = path;
        Offences = offences;
    }

    /// <summary>The model folder (or metadata file) that was validated.</summary>
    public string Path { get; }

    /// <summary>Every offence found, in the order found.</summary>
    public IReadOnlyList<PlumsOffence> Offences { get; }

    private static string Format(string what, string path, IReadOnlyList<PlumsOffence> offences, bool verbose)
    {
        var lines = offences.Select(o => "  - " + o.ToString(verbose));
        return $"Invalid {what} at '{path}' ({offences.Count} offence{(offences.Count == 1 ? "" : "s")}):{Environment.NewLine}{string.Join(Environment.NewLine, lines)}";
    }
}

/// <summary>
/// The model folder breaks the PMF tree: missing files or folders, missing checkpoints or configuration, checksum
/// mismatches (Plums' <c>PlumsModelTreeValidationError</c>). When metadata offences were found at the same time they
/// are listed too.
/// </summary>
public sealed class PlumsTreeValidationException : PlumsValidationException
{
    /// <summary>Creates the exception from the offences found.</summary>
    public PlumsTreeValidationException(string path, IReadOnlyList<PlumsOffence> offences, bool verbose = false)
        : base(PlumsErrorCode.TreeValidation, "PMF model tree", path, offences, verbose)
    {
    }
}

/// <summary><c>metadata.yaml</c> breaks the PMF metadata schema (Plums' <c>PlumsModelMetadataValidationError</c>).</summary>
public sealed class PlumsMetadataValidationException : PlumsValidationException
{
    /// <summary>Creates the exception from the offences found.</summary>
    public PlumsMetadataValidationException(string path, IReadOnlyList<PlumsOffence> offences, bool verbose = false)
        : base(PlumsErrorCode.MetadataValidation, "PMF metadata", path, offences, verbose)
    {
    }
}
