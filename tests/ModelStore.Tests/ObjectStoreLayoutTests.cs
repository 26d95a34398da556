using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Tests;

/// <summary>MoZuMa's object-store layout, shared by the S3 and Azure Blob stores.</summary>
[TestClass]
public sealed class ObjectStoreLayoutTests
{
    [TestMethod]
    public void Names_round_trip_under_a_base_path()
    {
        var key = StateKey.Parse("pytorch/resnet18.cls1000.imagenet");

        var name = ObjectStoreLayout.GetObjectName("pretrained-models/", key);

        Assert.AreEqual("pretrained-models/pytorch/resnet18.cls1000.imagenet.pt", name);
        Assert.AreEqual(key, ObjectStoreLayout.TryParseObjectName("pretrained-models/", name));
        Assert.AreEqual("pretrained-models/pytorch/resnet18.", ObjectStoreLayout.GetListingPrefix("pretrained-models/", key.StateType));
        Assert.AreEqual(StateKey.Parse("pytorch/clip.openai"), ObjectStoreLayout.TryParseObjectName("", "pytorch/clip.openai.pt"));
    }

    [TestMethod]
    public void Foreign_names_are_not_states()
    {
        foreach (var name in new[] { "other/pytorch/resnet18.x.pt", "pretrained-models/pytorch/resnet18.pt", "pretrained-models/pytorch/resnet18.x.pt.partial", "pretrained-models/pytorch/sub/resnet18.x.pt", "pretrained-models/pytorch/resnet18..pt", "pretrained-models/resnet18.x.pt" })
        {
            Assert.IsNull(ObjectStoreLayout.TryParseObjectName("pretrained-models/", name), name);
        }
    }

    [TestMethod]
    public void Base_paths_are_normalised_to_a_prefix()
    {
        Assert.AreEqual("states/", ObjectStoreLayout.NormalizeBasePath("states"));
        Assert.AreEqual("a/b/", ObjectStoreLayout.NormalizeBasePath(" /a/b/ "));
        Assert.AreEqual(string.Empty, ObjectStoreLayout.NormalizeBasePath("/"));
        Assert.AreEqual(string.Empty, ObjectStoreLayout.NormalizeBasePath(null));
    }
}
