using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace ModelStore.Generators.Tests;

/// <summary>Runs <see cref="ModelStatesGenerator"/> through a real <see cref="CSharpGeneratorDriver"/> with step tracking.</summary>
internal static class GeneratorDriverHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.Diagnose);

    private static readonly Lazy<ImmutableArray<MetadataReference>> RuntimeReferences = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(static path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray());

    public static CSharpCompilation Compilation(params string[] sources) => CSharpCompilation.Create(
        "Consumer",
        sources.Select(static (source, i) => CSharpSyntaxTree.ParseText(source, ParseOptions, path: $"/project/Source{i}.cs")),
        RuntimeReferences.Value,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver CreateDriver(IEnumerable<AdditionalText> descriptors, string? rootNamespace = "Consumer.App") =>
        CSharpGeneratorDriver.Create(
            [new ModelStatesGenerator().AsSourceGenerator()],
            descriptors,
            ParseOptions,
            new OptionsProvider(rootNamespace),
            new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>The descriptor file holding <paramref name="states"/>, as the task writes it.</summary>
    public static AdditionalText Text(params Descriptor[] states) => Text(Descriptor.FilePath, Descriptor.File(states));

    public static AdditionalText Text(string path, string text) => new InMemoryText(path, text);

    public static AnalyzerConfigOptionsProvider Options(string? rootNamespace) => new OptionsProvider(rootNamespace);

    /// <summary>Every output reason of the named step in the last run.</summary>
    public static IEnumerable<IncrementalStepRunReason> Reasons(GeneratorRunResult result, string step) =>
        result.TrackedSteps[step].SelectMany(static s => s.Outputs).Select(static o => o.Reason);

    /// <summary>Every output reason of the source-output (emit) step in the last run.</summary>
    public static IEnumerable<IncrementalStepRunReason> EmitReasons(GeneratorRunResult result) =>
        result.TrackedOutputSteps[WellKnownGeneratorOutputs.SourceOutput].SelectMany(static s => s.Outputs).Select(static o => o.Reason);

    private sealed class InMemoryText(string path, string text) : AdditionalText
    {
        private readonly SourceText source = SourceText.From(text, System.Text.Encoding.UTF8);

        public override string Path { get; } = path;

        public override SourceText GetText(CancellationToken cancellationToken = default) => source;
    }

    private sealed class OptionsProvider(string? rootNamespace) : AnalyzerConfigOptionsProvider
    {
        private static readonly AnalyzerConfigOptions None = new Options(ImmutableDictionary<string, string>.Empty);

        public override AnalyzerConfigOptions GlobalOptions { get; } = new Options(rootNamespace is null
            ? ImmutableDictionary<string, string>.Empty
            : ImmutableDictionary<string, string>.Empty.Add("build_property.RootNamespace", rootNamespace));

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => None;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => None;

        private sealed class Options(ImmutableDictionary<string, string> values) : AnalyzerConfigOptions
        {
            public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
        }
    }
}
