using ModelStore.Resolution;
using ModelStore.Stores;

namespace ModelStore.Tests.Resolution;

[TestClass]
public sealed class FilePatternsTests
{
    [TestMethod]
    [DataRow("*.json", "config.json", true)]
    [DataRow("*.json", "onnx/config.json", false)]
    [DataRow("**/*.json", "onnx/config.json", true)]
    [DataRow("**/*.json", "config.json", true)]
    [DataRow("onnx/**", "onnx/a/b/model.onnx", true)]
    [DataRow("onnx/**", "onnxx/model.onnx", false)]
    [DataRow("model-?????-of-00004.safetensors", "model-00001-of-00004.safetensors", true)]
    [DataRow("model-?????-of-00004.safetensors", "model-1-of-00004.safetensors", false)]
    [DataRow("onnx/model.onnx", "onnx/model.onnx", true)]
    [DataRow("onnx/model.onnx", "onnx/model.onnx_data", false)]
    [DataRow("a+b(1).bin", "a+b(1).bin", true)]
    [DataRow("*.json;!secret.json", "secret.json", false)]
    [DataRow("*.json;!secret.json", "config.json", true)]
    public void Globs_match_within_a_folder_and_double_stars_across_folders(string patterns, string path, bool expected) =>
        Assert.AreEqual(expected, FilePatterns.Parse(patterns).IsMatch(path), $"{patterns} ~ {path}");

    [TestMethod]
    [DataRow("../secret", "'..'")]
    [DataRow("/etc/passwd", "starts with '/'")]
    [DataRow("onnx\\model.onnx", "'\\'")]
    [DataRow("a\u0007b", "control character")]
    [DataRow("!../up", "'..'")]
    [DataRow(" ; ;", "at least one file")]
    [DataRow("!*.bin", "at least one file")]
    public void Patterns_outside_the_store_root_or_without_an_include_are_refused(string patterns, string why)
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() => FilePatterns.Parse(patterns));
        StringAssert.Contains(error.Message, why);
    }

    [TestMethod]
    public void Select_keeps_the_matching_files_sorted_and_an_include_that_matches_nothing_is_not_found()
    {
        var listed = new[] { new StoreFile("tokenizer.json", 3), new StoreFile("config.json", 2), new StoreFile("onnx/model.onnx", 10), new StoreFile("README.md", 1) };

        var selected = FilePatterns.Parse("onnx/model.onnx;*.json").Select(listed, "the store");
        CollectionAssert.AreEqual(new[] { "config.json", "onnx/model.onnx", "tokenizer.json" }, selected.Select(file => file.Path).ToArray());

        var error = Assert.ThrowsExactly<StateResolutionException>(() => FilePatterns.Parse("*.json;vocab.txt").Select(listed, "the store"));
        Assert.AreEqual(ResolutionFailureKind.NotInStore, error.Failure.Kind);
        StringAssert.Contains(error.Message, "'vocab.txt' matches no file of the store");
    }
}
