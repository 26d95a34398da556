using Microsoft.CodeAnalysis;
using static ModelStore.Generators.Tests.GeneratorDriverHarness;

namespace ModelStore.Generators.Tests;

/// <summary>A descriptor's <c>statedict=</c> line (the item's StateDictPath) reaches the generated <c>PretrainedState</c>.</summary>
[TestClass]
public sealed class StateDictPathTests
{
    [TestMethod]
    public void A_state_dict_path_is_set_on_the_generated_state_and_absent_when_not_declared()
    {
        var checkpoint = new Descriptor("pytorch/resnet18.cls1000.imagenet");
        var plain = new Descriptor("pytorch/tiny-mlp.digits.v1");
        var withPath = Descriptor.Header + checkpoint.Section.Replace("item=", "statedict=model.encoder\nitem=", StringComparison.Ordinal) + plain.Section;

        CreateDriver([Text(Descriptor.FilePath, withPath)])
            .RunGeneratorsAndUpdateCompilation(Compilation("namespace Consumer.App { }"), out var output, out var diagnostics);

        Assert.IsEmpty(diagnostics);
        Assert.IsEmpty(output.GetDiagnostics().Where(static d => d.Severity >= DiagnosticSeverity.Warning), string.Join("\n", output.GetDiagnostics()));
        var generated = output.SyntaxTrees.Single(tree => tree.FilePath.EndsWith("ModelStates.g.cs", StringComparison.Ordinal)).ToString();
        StringAssert.Contains(generated, $"Resnet18Cls1000Imagenet {{ get; }} = new(\"pytorch/resnet18.cls1000.imagenet\", \"local\", \"{checkpoint.Sha}\", 1234L, null) {{ StateDictPath = \"model.encoder\" }};");
        StringAssert.Contains(generated, $"TinyMlpDigitsV1 {{ get; }} = new(\"pytorch/tiny-mlp.digits.v1\", \"local\", \"{plain.Sha}\", 1234L, null);");
    }
}
