using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace ModelStore.Generators;

/// <summary>
/// Generates <c>ModelStates</c>: one <c>PretrainedState</c> member per <c>ModelState</c> item, read from the
/// <c>[state]</c> sections of the descriptor file (<c>*.modelstates</c>) the ModelStore.Build task adds to
/// <c>AdditionalFiles</c>, plus <c>ModelStates.All</c>.
/// </summary>
/// <remarks>
/// The pipeline reads only additional files and two build properties, never the syntax trees, so editing
/// source code leaves every step cached.
/// </remarks>
[Generator(LanguageNames.CSharp)]
public sealed class ModelStatesGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var descriptors = context.AdditionalTextsProvider
            .Where(static file => DescriptorParser.IsDescriptor(file.Path))
            .SelectMany(static (file, cancellationToken) => DescriptorParser.Parse(file.Path, file.GetText(cancellationToken)?.ToString()))
            .WithTrackingName(TrackingNames.Descriptors);

        var options = context.AnalyzerConfigOptionsProvider
            .Select(static (provider, _) => Model.GeneratorOptions.From(provider.GlobalOptions))
            .WithTrackingName(TrackingNames.Options);

        var spec = descriptors.Collect()
            .Combine(options)
            .Select(static (input, _) => ModelStatesSpecBuilder.Build(input.Left, input.Right))
            .WithTrackingName(TrackingNames.Spec);

        context.RegisterSourceOutput(spec, static (output, spec) =>
        {
            foreach (var diagnostic in spec.Diagnostics)
            {
                output.ReportDiagnostic(diagnostic.ToDiagnostic());
            }

            if (spec.States.Count > 0 || spec.EmitEvenIfEmpty)
            {
                output.AddSource(ModelStatesEmitter.HintName, SourceText.From(ModelStatesEmitter.Emit(spec), System.Text.Encoding.UTF8));
            }
        });
    }
}
