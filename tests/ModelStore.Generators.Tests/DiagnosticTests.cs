using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace ModelStore.Generators.Tests;

[TestClass]
public sealed class DiagnosticTests
{
    private const string DescriptorPath = "/project/obj/Debug/net10.0/modelstates/broken.modelstates";
    private static readonly string Sha = Descriptor.Hash("x");

    // Lines of the descriptor file: Descriptor.LineIn turns a line of a state's section into the file's line.
    private static DiagnosticResult At(DiagnosticDescriptor descriptor, string path, int line) =>
        new DiagnosticResult(descriptor).WithSpan(path, line + 1, 1, line + 1, 1);

    [TestMethod]
    [DataRow("pytorch/tiny mlp.v1", "its architecture is invalid: character ' ' (space) at position 4 is not allowed; only letters, digits, '_' and '-' are")]
    [DataRow("pytorch/resnet18", "the training id is missing")]
    [DataRow("resnet18.imagenet", "it has no '/' between the backend and the architecture")]
    [DataRow("pytorch/resnet18.cls/1000.imagenet", "its extra #1 is invalid: character '/' (U+002F) at position 3 is not allowed; only letters, digits, '_' and '-' are")]
    [DataRow("pytorch/resnet18.", "its training id is invalid: it is empty; a name needs at least one letter, digit, '_' or '-'")]
    public async Task An_invalid_key_is_MSG0001_naming_the_item_and_the_valid_states_are_still_generated(string key, string reason)
    {
        var bad = new Descriptor(key, Item: "as-written-in-csproj");
        var good = new Descriptor("pytorch/tiny-mlp.digits.v1");
        var test = new GeneratorTest(descriptors: [bad, good])
            .Expecting(At(DiagnosticDescriptors.InvalidKey, bad.Path, bad.LineIn([bad, good], 1)).WithArguments("as-written-in-csproj", key, reason));
        test.TestState.GeneratedSources.Clear();
        test.TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;
        test.WithSource("public static class Use { public static object State => Consumer.App.ModelStates.TinyMlpDigitsV1; }");
        await test.RunAsync();
    }

    [TestMethod]
    public async Task MSG0001_message_says_what_is_wrong_and_what_a_key_looks_like()
    {
        var bad = new Descriptor("pytorch/resnet18", Item: "pytorch/resnet18");
        await new GeneratorTest(descriptors: bad)
            .ExpectingEmptyClass()
            .Expecting(At(DiagnosticDescriptors.InvalidKey, bad.Path, bad.LineIn([bad], 1)).WithMessage(
                "ModelState 'pytorch/resnet18': 'pytorch/resnet18' is not a valid state key: the training id is missing. " +
                "Expected backend/architecture[.extra...].trainingId, each part made of letters, digits, '_' or '-'."))
            .RunAsync();
    }

    [TestMethod]
    [DataRow("class", "is a C# keyword")]
    [DataRow("My Digits", "is not a C# identifier (letters, digits and '_', not starting with a digit)")]
    [DataRow("9lives", "is not a C# identifier (letters, digits and '_', not starting with a digit)")]
    [DataRow("@Digits", "is not a C# identifier (letters, digits and '_', not starting with a digit)")]
    [DataRow("All", "clashes with a member of the generated ModelStates class ('All' is taken)")]
    [DataRow("ModelStates", "clashes with a member of the generated ModelStates class ('ModelStates' is taken)")]
    [DataRow("ToString", "clashes with a member of the generated ModelStates class ('ToString' is taken)")]
    public async Task An_invalid_AccessorName_is_MSG0002_on_the_accessor_line(string accessor, string reason)
    {
        var state = new Descriptor("pytorch/tiny-mlp.digits.v1", Accessor: accessor, Item: "digits-item");
        await new GeneratorTest(descriptors: state)
            .ExpectingEmptyClass()
            .Expecting(At(DiagnosticDescriptors.InvalidAccessorName, state.Path, state.LineIn([state], 5))
                .WithArguments("digits-item", "pytorch/tiny-mlp.digits.v1", accessor, reason))
            .RunAsync();
    }

    [TestMethod]
    [DataRow("pytorch/x².v1", "X²V1", "is not a C# identifier (letters, digits and '_', not starting with a digit)")]
    [DataRow("pytorch/-._", "", "is empty (the key has no letter or digit to build a name from)")]
    public async Task A_key_that_yields_no_valid_name_is_MSG0002_asking_for_an_AccessorName(string key, string derived, string reason)
    {
        var state = new Descriptor(key);
        await new GeneratorTest(descriptors: state)
            .ExpectingEmptyClass()
            .Expecting(At(DiagnosticDescriptors.InvalidAccessorName, state.Path, state.LineIn([state], 1)).WithArguments(key, key, derived, reason))
            .RunAsync();
    }

    [TestMethod]
    public async Task When_every_state_is_rejected_an_empty_ModelStates_still_compiles_so_the_MSG_code_is_the_only_error()
    {
        var bad = new Descriptor("pytorch/resnet18", Item: "pytorch/resnet18");
        await new GeneratorTest(descriptors: bad)
            .WithSource("public static class Use { public static int Count => Consumer.App.ModelStates.All.Count; }")
            .ExpectingEmptyClass()
            .Expecting(At(DiagnosticDescriptors.InvalidKey, bad.Path, bad.LineIn([bad], 1)).WithArguments("pytorch/resnet18", "pytorch/resnet18", "the training id is missing"))
            .RunAsync();
    }

    [TestMethod]
    public async Task Two_states_with_one_name_are_MSG0003_naming_both_and_neither_is_generated()
    {
        var dash = new Descriptor("pytorch/tiny-mlp.v1", Item: "pytorch/tiny-mlp.v1");
        var underscore = new Descriptor("pytorch/tiny_mlp.v1", Item: "pytorch/tiny_mlp.v1");
        var named = new Descriptor("pytorch/other.v2", Accessor: "TinyMlpV1", Item: "other");
        var unrelated = new Descriptor("pytorch/resnet18.cls1000.imagenet");
        Descriptor[] file = [named, underscore, unrelated, dash];
        var test = new GeneratorTest(descriptors: file)
            .Expecting(
                // Neither clashing state is generated, so using the name fails to compile: the user sees both errors.
                DiagnosticResult.CompilerError("CS0117").WithSpan("/0/Test1.cs", 3, 59, 3, 68).WithArguments("Consumer.App.ModelStates", "TinyMlpV1"),
                At(DiagnosticDescriptors.DuplicateAccessorName, dash.Path, dash.LineIn(file, 1))
                    .WithArguments("other", "pytorch/other.v2", "pytorch/tiny-mlp.v1", "pytorch/tiny-mlp.v1", "TinyMlpV1"),
                At(DiagnosticDescriptors.DuplicateAccessorName, underscore.Path, underscore.LineIn(file, 1))
                    .WithArguments("other", "pytorch/other.v2", "pytorch/tiny_mlp.v1", "pytorch/tiny_mlp.v1", "TinyMlpV1"));
        test.TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;
        test.WithSource("public static class Use {\n    public static object Fine => Consumer.App.ModelStates.Resnet18Cls1000Imagenet;\n" +
                        "    public static object Gone => Consumer.App.ModelStates.TinyMlpV1; }");
        await test.RunAsync();
    }

    [TestMethod]
    [DataRow("# modelstates v2\n[state]\nkey=pytorch/a.b\n", 0, "its first line must be '# modelstates v1' (this generator reads version 1 descriptor files only)")]
    [DataRow("# modelstate v1\nkey=pytorch/a.b\n", 0, "its first line must be '# modelstates v1' (this generator reads version 1 descriptor files only)")]
    [DataRow("", 0, "its first line must be '# modelstates v1' (this generator reads version 1 descriptor files only)")]
    [DataRow("# modelstates v1\nkey=pytorch/a.b\n", 1, "line 2 is outside a '[state]' section")]
    [DataRow("# modelstates v1\n[state]\nkey=pytorch/a.b\nstore=local\nsize=3\nitem=the-item\n", 1, "the 'sha256=' line is missing or empty")]
    [DataRow("# modelstates v1\n[state]\nkey=pytorch/a.b\nstore=\nsha256=SHA\nsize=3\nitem=the-item\n", 1, "the 'store=' line is missing or empty")]
    [DataRow("# modelstates v1\n[state]\nkey=pytorch/a.b\nstore=local\nsha256=abc123\nsize=3\nitem=the-item\n", 4, "sha256 'abc123' is not 64 hexadecimal digits")]
    [DataRow("# modelstates v1\n[state]\nkey=pytorch/a.b\nstore=local\nsha256=SHA\nsize=-3\nitem=the-item\n", 5, "size '-3' is not a whole number of bytes")]
    [DataRow("# modelstates v1\n[state]\nkey=pytorch/a.b\nstore=local\nsha256=SHA\nsize=12kB\nitem=the-item\n", 5, "size '12kB' is not a whole number of bytes")]
    [DataRow("# modelstates v1\n[state]\nitem=the-item\nkey=pytorch/a.b\nstore=local\nsha256=SHA\nsize=3\nthis line has no equals sign\n", 7, "line 8 is not 'name=value'")]
    [DataRow("# modelstates v1\n[state]\nitem=the-item\nkey=pytorch/a.b\nkey=pytorch/a.c\n", 4, "'key' is given twice (lines 4 and 5)")]
    [DataRow("# modelstates v1\n[state]\nkey=pytorch/a.b\nstore=local\nsha256=SHA\nsize=3\noutput=/etc/passwd\nitem=the-item\n", 6, "output '/etc/passwd' is not a path relative to the output folder")]
    public async Task A_malformed_descriptor_is_MSG0004_naming_the_item_and_the_problem(string text, int line, string problem)
    {
        var item = text.Contains("item=the-item", StringComparison.Ordinal) ? "the-item" : "broken.modelstates";
        await new GeneratorTest()
            .WithAdditionalFile(DescriptorPath, text.Replace("SHA", Sha, StringComparison.Ordinal))
            .ExpectingEmptyClass()
            .Expecting(At(DiagnosticDescriptors.MalformedDescriptor, DescriptorPath, line).WithArguments(item, DescriptorPath, problem))
            .RunAsync();
    }

    [TestMethod]
    public async Task A_malformed_section_costs_only_its_own_state_and_is_reported_at_its_line_in_the_file()
    {
        var first = new Descriptor("pytorch/tiny-mlp.digits.v1");
        var last = new Descriptor("pytorch/resnet18.cls1000.imagenet");
        var before = Descriptor.File(first);
        var text = before + "[state]\nitem=broken-item\nkey=pytorch/a.b\nstore=local\nsize=3\n" + last.Section;
        var test = new GeneratorTest()
            .WithAdditionalFile(Descriptor.FilePath, text)
            .Expecting(At(DiagnosticDescriptors.MalformedDescriptor, Descriptor.FilePath, before.Count(static c => c == '\n'))
                .WithArguments("broken-item", Descriptor.FilePath, "the 'sha256=' line is missing or empty"));
        test.TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;
        test.WithSource("public static class Use { public static object A => Consumer.App.ModelStates.TinyMlpDigitsV1; public static object B => Consumer.App.ModelStates.Resnet18Cls1000Imagenet; }");
        await test.RunAsync();
    }

    [TestMethod]
    public async Task A_byte_order_mark_unknown_fields_comments_blank_lines_CRLF_and_upper_case_hashes_are_accepted()
    {
        var text = $"\uFEFF# modelstates v1\r\n# written by a later task\r\n\r\n[state]\r\nfuture=ignored\r\nsize=7\r\nitem=x\r\nsha256={Sha.ToUpperInvariant()}\r\nstore=local\r\nkey=pytorch/a.b\r\n";
        var expected = new Descriptor("pytorch/a.b", Sha256: Sha, Size: 7);
        await new GeneratorTest()
            .WithAdditionalFile(DescriptorPath, text)
            .ExpectingSource(GeneratedTextTests.Single("namespace Consumer.App;\n\n", expected, "AB"))
            .RunAsync();
    }

    [TestMethod]
    [DataRow(null, "My-App", "RootNamespace")]
    [DataRow("Models.class", "Consumer.App", "ModelStatesNamespace")]
    [DataRow("Models..Weights", "Consumer.App", "ModelStatesNamespace")]
    public async Task An_invalid_namespace_is_MSG0005_and_nothing_is_generated(string? modelStatesNamespace, string rootNamespace, string property)
    {
        var ns = modelStatesNamespace ?? rootNamespace;
        await new GeneratorTest(rootNamespace, modelStatesNamespace, new Descriptor("pytorch/tiny-mlp.digits.v1"))
            .Expecting(new DiagnosticResult(DiagnosticDescriptors.InvalidNamespace).WithArguments(ns, property))
            .RunAsync();
    }
}
