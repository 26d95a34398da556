namespace ModelStore.Generators.Tests;

[TestClass]
public sealed class AccessorNamingTests
{
    [TestMethod]
    [DataRow("pytorch/tiny-mlp.digits.v1", "TinyMlpDigitsV1")]
    [DataRow("pytorch/resnet18.cls1000.imagenet", "Resnet18Cls1000Imagenet")]
    [DataRow("pytorch/ResNet-50.v1", "ResNet50V1")]
    [DataRow("pytorch/clip_vit-b32.laion2b_s34b", "ClipVitB32Laion2bS34b")]
    [DataRow("pytorch/a__b--c.d", "ABCD")]
    [DataRow("pytorch/3d-unet.brats", "_3dUnetBrats")]
    [DataRow("pytorch/٣d.x", "_٣dX")]
    [DataRow("pytorch/straße.ß", "Straßeß")] // invariant upper-casing never changes the length
    [DataRow("pytorch/-._", "")]
    public void Names_are_PascalCase_of_architecture_extras_and_training_id(string key, string expected)
    {
        Assert.IsTrue(StateKeyRules.TryParseKey(key, out var parts, out _));
        Assert.AreEqual(expected, AccessorNaming.FromKeyParts(parts));
    }

    [TestMethod]
    [DataRow("Digits", null)]
    [DataRow("_3d", null)]
    [DataRow("МодельV1", null)]
    [DataRow("var", null)]
    [DataRow("async", null)]
    [DataRow("class", "is a C# keyword")]
    [DataRow("string", "is a C# keyword")]
    [DataRow("3d", "is not a C# identifier (letters, digits and '_', not starting with a digit)")]
    [DataRow("a-b", "is not a C# identifier (letters, digits and '_', not starting with a digit)")]
    [DataRow("@class", "is not a C# identifier (letters, digits and '_', not starting with a digit)")]
    [DataRow("All", "clashes with a member of the generated ModelStates class ('All' is taken)")]
    [DataRow("GetHashCode", "clashes with a member of the generated ModelStates class ('GetHashCode' is taken)")]
    public void Check_accepts_identifiers_and_contextual_keywords_and_rejects_the_rest(string name, string? problem)
    {
        Assert.AreEqual(problem, AccessorNaming.Check(name));
    }
}
