using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Tests;

/// <summary>MoZuMa's object-store layout, shared by the S3 and Hugging Face stores.</summary>
[TestClass]
public sealed class BackendFolderLayoutTests
{
    [TestMethod]
    [DataRow("", "pytorch/resnet18.cls1000.imagenet", "pytorch/resnet18.cls1000.imagenet.pt")]
    [DataRow("team/", "onnx/clip-image-rn50.openai", "team/onnx/clip-image-rn50.openai.pt")]
    public void The_layout_is_mozumas_and_parses_back(string basePath, string key, string path)
    {
        var parsed = StateKey.Parse(key);

        Assert.AreEqual(path, BackendFolderLayout.GetPath(basePath, parsed));
        Assert.AreEqual(parsed, BackendFolderLayout.TryParsePath(basePath, path));
        Assert.IsNull(BackendFolderLayout.TryParsePath(basePath, path + ".tmp"));
        Assert.IsNull(BackendFolderLayout.TryParsePath(basePath, basePath + "model.pt"));
        Assert.IsNull(BackendFolderLayout.TryParsePath(basePath, basePath + "pytorch/bad name.v1.pt"));
    }

    [TestMethod]
    public void The_listing_prefix_ends_with_a_dot_so_longer_architectures_stay_out() =>
        Assert.AreEqual("team/pytorch/clip.", BackendFolderLayout.GetListingPrefix("team/", StateType.Parse("pytorch/clip")));
}
