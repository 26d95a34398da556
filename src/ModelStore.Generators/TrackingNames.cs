namespace ModelStore.Generators;

/// <summary>Names of the pipeline steps, so tests can check which steps ran again after an edit.</summary>
internal static class TrackingNames
{
    public const string Descriptors = nameof(Descriptors);
    public const string Options = nameof(Options);
    public const string Spec = nameof(Spec);
}
