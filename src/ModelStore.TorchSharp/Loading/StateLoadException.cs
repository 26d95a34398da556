using ModelStore.Stores;

namespace ModelStore.TorchSharp.Loading;

/// <summary>
/// A strict load found entries that do not match (missing, unexpected or with other shapes); the module
/// was left untouched. Part of the <see cref="StateStoreException"/> family with
/// <see cref="StateStoreError.InvalidContent"/>; <see cref="Report"/> lists every difference.
/// </summary>
public class StateLoadException : StateStoreException
{
    /// <summary>Creates the error for a report with differences.</summary>
    public StateLoadException(StateLoadReport report)
        : base(StateStoreError.InvalidContent, Describe(report))
    {
        ArgumentNullException.ThrowIfNull(report);
        Report = report;
    }

    private static string Describe(StateLoadReport? report)
    {
        var text = $"The state does not match the module (strict load; nothing was loaded): {report?.ToString() ?? "no report"}.";
        return report?.SuggestPrefixOption() is { } option
            ? $"{text} The names differ by a prefix: load with {option} in StateLoadOptions."
            : $"{text} Load with strict: false to load what fits.";
    }

    /// <summary>The differences that made the strict load fail.</summary>
    public StateLoadReport Report { get; }
}
