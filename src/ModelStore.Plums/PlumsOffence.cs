namespace ModelStore.Plums;

/// <summary>One thing wrong with a PMF model found while validating it.</summary>
/// <param name="Location">Where: a metadata key path such as <c>model.training.start_time</c>, or a relative file path such as <c>data/checkpoints</c>.</param>
/// <param name="Message">What is wrong, in Plums' words where Plums has words for it.</param>
/// <param name="Found">The offending value as found, when there is one (shown in verbose messages).</param>
/// <remarks>Some offences carry more, in a derived record: <see cref="PlumsEncodingOffence"/> (a file that is not UTF-8).</remarks>
public record PlumsOffence(string Location, string Message, string? Found = null)
{
    /// <summary>Formats the offence; verbose adds the offending value.</summary>
    public string ToString(bool verbose) =>
        verbose && Found is not null ? $"{Location}: {Message} (found {Found})" : $"{Location}: {Message}";

    /// <inheritdoc />
    public override string ToString() => ToString(verbose: false);

    internal PlumsOffence Under(string prefix) => this with { Location = prefix + Location };
}
