using Microsoft.CodeAnalysis;
using static ModelStore.Generators.Tests.GeneratorDriverHarness;

namespace ModelStore.Generators.Tests;

[TestClass]
public sealed class IncrementalityTests
{
    private static readonly Descriptor Digits = new("pytorch/tiny-mlp.digits.v1");
    private static readonly Descriptor Resnet = new("pytorch/resnet18.cls1000.imagenet", Store: "mozuma");

    [TestMethod]
    public void An_unrelated_source_edit_leaves_every_step_and_the_emit_cached()
    {
        var compilation = Compilation("public class A { }");
        var driver = CreateDriver([Text(Digits, Resnet)]).RunGenerators(compilation);
        Assert.AreEqual(1, driver.GetRunResult().GeneratedTrees.Length);

        var edited = compilation.ReplaceSyntaxTree(
            compilation.SyntaxTrees.Single(),
            Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText("public class A { public int B => 42; }", GeneratorDriverHarness.ParseOptions, path: "/project/Source0.cs"));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        CollectionAssert.AreEqual(new[] { IncrementalStepRunReason.Cached, IncrementalStepRunReason.Cached }, Reasons(result, TrackingNames.Descriptors).ToArray());
        CollectionAssert.AreEqual(new[] { IncrementalStepRunReason.Cached }, Reasons(result, TrackingNames.Spec).ToArray());
        CollectionAssert.AreEqual(new[] { IncrementalStepRunReason.Cached }, EmitReasons(result).ToArray());
    }

    [TestMethod]
    public void A_descriptor_rewritten_with_the_same_content_is_unchanged_and_nothing_is_emitted_again()
    {
        var compilation = Compilation("public class A { }");
        var original = Text(Digits, Resnet);
        var driver = CreateDriver([original]).RunGenerators(compilation);

        // A new AdditionalText instance (a new file snapshot) carrying the same text.
        driver = driver.ReplaceAdditionalText(original, Text(Digits with { }, Resnet with { }));
        var result = driver.RunGenerators(compilation).GetRunResult().Results.Single();

        CollectionAssert.Contains(Reasons(result, TrackingNames.Descriptors).ToArray(), IncrementalStepRunReason.Unchanged);
        CollectionAssert.AreEqual(new[] { IncrementalStepRunReason.Cached }, Reasons(result, TrackingNames.Spec).ToArray());
        CollectionAssert.AreEqual(new[] { IncrementalStepRunReason.Cached }, EmitReasons(result).ToArray());
    }

    [TestMethod]
    public void A_changed_hash_re_emits_with_the_new_hash()
    {
        var compilation = Compilation("public class A { }");
        var original = Text(Digits, Resnet);
        var driver = CreateDriver([original]).RunGenerators(compilation);

        var pinned = Digits with { Sha256 = Descriptor.Hash("retrained") };
        driver = driver.ReplaceAdditionalText(original, Text(pinned, Resnet)).RunGenerators(compilation);
        var run = driver.GetRunResult();
        var result = run.Results.Single();

        // One file: its sections are parsed again, and only the changed one compares as Modified.
        CollectionAssert.AreEquivalent(
            new[] { IncrementalStepRunReason.Modified, IncrementalStepRunReason.Unchanged }, Reasons(result, TrackingNames.Descriptors).ToArray());
        CollectionAssert.AreEqual(new[] { IncrementalStepRunReason.Modified }, Reasons(result, TrackingNames.Spec).ToArray());
        CollectionAssert.AreEqual(new[] { IncrementalStepRunReason.Modified }, EmitReasons(result).ToArray());
        var text = run.GeneratedTrees.Single().ToString();
        StringAssert.Contains(text, pinned.Sha);
        Assert.IsFalse(text.Contains(Digits.Sha, StringComparison.Ordinal));
    }

    [TestMethod]
    public void Equal_options_from_a_new_provider_leave_the_emit_cached_and_a_new_namespace_re_emits()
    {
        var compilation = Compilation("public class A { }");
        var driver = CreateDriver([Text(Digits)]).RunGenerators(compilation);

        driver = driver.WithUpdatedAnalyzerConfigOptions(Options("Consumer.App")).RunGenerators(compilation);
        var same = driver.GetRunResult().Results.Single();
        CollectionAssert.AreEqual(new[] { IncrementalStepRunReason.Unchanged }, Reasons(same, TrackingNames.Options).ToArray());
        CollectionAssert.AreEqual(new[] { IncrementalStepRunReason.Cached }, EmitReasons(same).ToArray());

        driver = driver.WithUpdatedAnalyzerConfigOptions(Options("Other.App")).RunGenerators(compilation);
        var moved = driver.GetRunResult();
        CollectionAssert.AreEqual(new[] { IncrementalStepRunReason.Modified }, EmitReasons(moved.Results.Single()).ToArray());
        StringAssert.Contains(moved.GeneratedTrees.Single().ToString(), "namespace Other.App;");
    }
}
