using Microsoft.CodeAnalysis.Diagnostics;

namespace ModelStore.Generators.Model;

/// <summary>The MSBuild properties the generator reads (declared <c>CompilerVisibleProperty</c> by the package's targets).</summary>
/// <param name="ModelStatesNamespace">The <c>ModelStatesNamespace</c> property, or <see langword="null"/> when empty.</param>
/// <param name="RootNamespace">The <c>RootNamespace</c> property, or <see langword="null"/> when empty.</param>
internal sealed record GeneratorOptions(string? ModelStatesNamespace, string? RootNamespace)
{
    public const string ModelStatesNamespaceProperty = "ModelStatesNamespace";
    public const string RootNamespaceProperty = "RootNamespace";

    public static GeneratorOptions From(AnalyzerConfigOptions options) =>
        new(Read(options, ModelStatesNamespaceProperty), Read(options, RootNamespaceProperty));

    private static string? Read(AnalyzerConfigOptions options, string property) =>
        options.TryGetValue("build_property." + property, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
}
