using ModelStore.States;

namespace ModelStore.Tests;

[TestClass]
public sealed class StateKeyTests
{
    [TestMethod]
    public void The_canonical_form_names_backend_architecture_extras_and_training_id()
    {
        var key = StateKey.Parse("pytorch/resnet18.cls1000.imagenet");

        Assert.AreEqual("pytorch", key.StateType.Backend);
        Assert.AreEqual("resnet18", key.StateType.Architecture);
        CollectionAssert.AreEqual(new[] { "cls1000" }, key.StateType.Extras.ToArray());
        Assert.AreEqual("imagenet", key.TrainingId);
    }

    [TestMethod]
    [DataRow("pytorch/resnet18.imagenet")]
    [DataRow("pytorch/resnet18.cls1000.imagenet")]
    [DataRow("pytorch/tiny-mlp.digits.2026-01-01")]
    [DataRow("pytorch/clip-image-rn50.a.b.c.d.e.clip")]
    [DataRow("onnx/模型.v1")]
    [DataRow("a/b.c")]
    public void Parse_and_ToString_round_trip(string text)
    {
        var key = StateKey.Parse(text);

        Assert.AreEqual(text, key.ToString());
        Assert.AreEqual(key, StateKey.Parse(key.ToString()));
        Assert.IsTrue(StateKey.TryParse(text, out var parsed));
        Assert.AreEqual(key, parsed);
    }

    [TestMethod]
    [DataRow("", "expected backend/architecture")]
    [DataRow("resnet18.imagenet", "expected backend/architecture")]
    [DataRow("pytorch/resnet18", "training id is missing")]
    [DataRow("pytorch/", "training id is missing")]
    [DataRow("/resnet18.imagenet", "backend is invalid")]
    [DataRow("pytorch/.imagenet", "architecture is invalid")]
    [DataRow("pytorch/resnet18..imagenet", "extra #1 is invalid")]
    [DataRow("pytorch/resnet18.imagenet.", "training id is invalid")]
    [DataRow("pytorch/resnet18.../..", "invalid")]
    [DataRow("pytorch/../../etc/passwd", "invalid")]
    [DataRow("py/torch/resnet18.imagenet", "architecture is invalid")]
    [DataRow("pytorch\\resnet18.imagenet", "expected backend/architecture")]
    [DataRow("pytorch/resnet18.imagenet\n", "training id is invalid")]
    [DataRow("pytorch/resnet18.image net", "training id is invalid")]
    [DataRow("pytorch/resnet18.imagenet\0", "training id is invalid")]
    [DataRow(" pytorch/resnet18.imagenet", "backend is invalid")]
    public void Malformed_keys_are_refused_naming_the_part(string text, string reason)
    {
        Assert.IsFalse(StateKey.TryParse(text, out var key, out var error));
        Assert.IsNull(key);
        StringAssert.Contains(error, reason);

        var thrown = Assert.ThrowsExactly<FormatException>(() => StateKey.Parse(text));
        StringAssert.Contains(thrown.Message, reason);
    }

    [TestMethod]
    public void Null_is_not_a_key()
    {
        Assert.IsFalse(StateKey.TryParse(null, out _));
        Assert.ThrowsExactly<ArgumentNullException>(() => StateKey.Parse(null!));
    }

    [TestMethod]
    public void A_ten_thousand_character_key_is_refused_without_echoing_it()
    {
        var text = "pytorch/" + new string('x', 10_000) + ".imagenet";

        var error = Assert.ThrowsExactly<FormatException>(() => StateKey.Parse(text));

        StringAssert.Contains(error.Message, "architecture is invalid");
        Assert.IsLessThan(400, error.Message.Length);
    }

    [TestMethod]
    public void Keys_and_types_have_structural_equality()
    {
        var a = new StateKey(new StateType("pytorch", "resnet18", "cls1000"), "imagenet");
        var b = StateKey.Parse("pytorch/resnet18.cls1000.imagenet");

        Assert.AreEqual(a, b);
        Assert.IsTrue(a == b);
        Assert.AreEqual(a.GetHashCode(), b.GetHashCode());
        Assert.AreNotEqual(a, StateKey.Parse("pytorch/resnet18.cls2.imagenet"));
        Assert.AreNotEqual(a, StateKey.Parse("pytorch/resnet18.cls1000.places"));
        Assert.AreNotEqual(new StateType("pytorch", "resnet18", "a", "b"), new StateType("pytorch", "resnet18", "b", "a"));
        Assert.AreNotEqual(new StateType("pytorch", "resnet18", "a"), new StateType("pytorch", "resnet18"));
        Assert.IsTrue(a != StateKey.Parse("pytorch/resnet18.imagenet"));
        Assert.IsFalse(a.Equals(null));
    }

    [TestMethod]
    public void Compatibility_needs_backend_and_architecture_equal_and_ignores_extras()
    {
        var imagenet = new StateType("pytorch", "resnet18", "cls1000");

        Assert.IsTrue(imagenet.IsCompatibleWith(new StateType("pytorch", "resnet18", "cls2")));
        Assert.IsTrue(imagenet.IsCompatibleWith(new StateType("pytorch", "resnet18")));
        Assert.IsFalse(imagenet.IsCompatibleWith(new StateType("pytorch", "resnet50", "cls1000")));
        Assert.IsFalse(imagenet.IsCompatibleWith(new StateType("onnx", "resnet18", "cls1000")));
        Assert.IsFalse(new StateType("pytorch", "clip").IsCompatibleWith(new StateType("pytorch", "clip-image-rn50")));
        Assert.IsFalse(new StateType("pytorch", "Resnet18").IsCompatibleWith(new StateType("pytorch", "resnet18")));
    }

    [TestMethod]
    public void Constructors_name_the_offending_part()
    {
        var backend = Assert.ThrowsExactly<ArgumentException>(() => new StateType("py.torch", "resnet18"));
        var extra = Assert.ThrowsExactly<ArgumentException>(() => new StateType("pytorch", "resnet18", "ok", "b/d"));
        var training = Assert.ThrowsExactly<ArgumentException>(() => new StateKey(new StateType("pytorch", "resnet18"), ""));

        StringAssert.Contains(backend.Message, "backend");
        StringAssert.Contains(extra.Message, "extra #2");
        StringAssert.Contains(training.Message, "training id");
        Assert.AreEqual("trainingId", training.ParamName);
    }

    [TestMethod]
    public void State_types_parse_and_print()
    {
        var type = StateType.Parse("pytorch/resnet18.cls1000");

        Assert.AreEqual(new StateType("pytorch", "resnet18", "cls1000"), type);
        Assert.AreEqual("pytorch/resnet18.cls1000", type.ToString());
        Assert.AreEqual("pytorch/resnet18", StateType.Parse("pytorch/resnet18").ToString());
        Assert.ThrowsExactly<FormatException>(() => StateType.Parse("pytorch"));
        Assert.ThrowsExactly<FormatException>(() => StateType.Parse("pytorch/a..b"));
    }
}
