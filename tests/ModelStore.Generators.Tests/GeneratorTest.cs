using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using Microsoft.CodeAnalysis.Text;

namespace ModelStore.Generators.Tests;

/// <summary>
/// A Microsoft.CodeAnalysis.Testing run of <see cref="ModelStatesGenerator"/> against the net10.0 reference
/// assemblies and the real ModelStore.dll, so the generated code must compile cleanly (doc comments included).
/// </summary>
internal sealed class GeneratorTest : CSharpSourceGeneratorTest<ModelStatesGenerator, DefaultVerifier>
{
    public static readonly ReferenceAssemblies Net100 = new(
        "net10.0", new PackageIdentity("Microsoft.NETCore.App.Ref", "10.0.12"), Path.Combine("ref", "net10.0"));

    public GeneratorTest(string? rootNamespace = "Consumer.App", string? modelStatesNamespace = null, params Descriptor[] descriptors)
    {
        ReferenceAssemblies = Net100;
        TestState.AdditionalReferences.Add(MetadataReference.CreateFromFile(typeof(PretrainedState).Assembly.Location));
        TestState.Sources.Add("public static class Program { public static void Main() { } }");
        var config = new StringBuilder("is_global = true\n");
        if (rootNamespace is not null)
        {
            config.Append("build_property.RootNamespace = ").Append(rootNamespace).Append('\n');
        }

        if (modelStatesNamespace is not null)
        {
            config.Append("build_property.ModelStatesNamespace = ").Append(modelStatesNamespace).Append('\n');
        }

        TestState.AnalyzerConfigFiles.Add(("/.globalconfig", config.ToString()));
        foreach (var descriptor in descriptors)
        {
            TestState.AdditionalFiles.Add((descriptor.Path, descriptor.Text));
        }
    }

    public GeneratorTest ExpectingSource(string text)
    {
        TestState.GeneratedSources.Add((typeof(ModelStatesGenerator), "ModelStates.g.cs", SourceText.From(text, Encoding.UTF8)));
        return this;
    }

    public GeneratorTest Expecting(params DiagnosticResult[] diagnostics)
    {
        TestState.ExpectedDiagnostics.AddRange(diagnostics);
        return this;
    }

    public GeneratorTest WithAdditionalFile(string path, string text)
    {
        TestState.AdditionalFiles.Add((path, text));
        return this;
    }

    public GeneratorTest WithSource(string source)
    {
        TestState.Sources.Add(source);
        return this;
    }
}
