using ModelStore.States;

namespace ModelStore.Tests;

[TestClass]
public sealed class StateNameTests
{
    [TestMethod]
    [DataRow("pytorch")]
    [DataRow("resnet18")]
    [DataRow("clip-image-rn50")]
    [DataRow("2022-01-01-finetuned-imagenet")]
    [DataRow("snake_case_name")]
    [DataRow("-")]
    [DataRow("_")]
    [DataRow("Ünïcödé")]
    [DataRow("模型")]
    [DataRow("модель")]
    [DataRow("٣")]
    [DataRow("𝐀𝐁")]
    public void Names_MoZuMa_accepts_are_valid(string name) => Assert.IsTrue(StateName.IsValid(name), name);

    [TestMethod]
    [DataRow("", "empty")]
    [DataRow("..", "'.'")]
    [DataRow(".", "'.'")]
    [DataRow("a.b", "'.'")]
    [DataRow("a/b", "'/'")]
    [DataRow("a\\b", "'\\'")]
    [DataRow("a b", "space")]
    [DataRow(" a", "space")]
    [DataRow("a\n", "newline")]
    [DataRow("a\r\n", "carriage return")]
    [DataRow("a\tb", "tab")]
    [DataRow("a\0b", "NUL")]
    [DataRow("a:b", "':'")]
    [DataRow("a*", "'*'")]
    [DataRow("e\u0301", "U+0301")]
    [DataRow("a\u200Bb", "U+200B")]
    [DataRow("😀", "U+1F600")]
    public void Names_MoZuMa_refuses_are_argument_errors_that_say_why(string name, string reason)
    {
        Assert.IsFalse(StateName.IsValid(name));

        var error = Assert.ThrowsExactly<ArgumentException>(() => StateName.Validate(name, "architecture"));

        StringAssert.Contains(error.Message, "architecture");
        StringAssert.Contains(error.Message, reason);
    }

    [TestMethod]
    public void A_trailing_newline_is_refused_unlike_Python_dollar() =>
        Assert.IsFalse(StateName.IsValid("imagenet\n"));

    [TestMethod]
    public void A_ten_thousand_character_name_is_refused_with_its_length()
    {
        var name = new string('a', 10_000);

        var error = Assert.ThrowsExactly<ArgumentException>(() => StateName.Validate(name, "training id"));

        StringAssert.Contains(error.Message, "10000 characters");
        Assert.IsLessThan(400, error.Message.Length, "The message should not echo the whole name.");
        Assert.IsTrue(StateName.IsValid(new string('a', StateName.MaxLength)));
        Assert.IsFalse(StateName.IsValid(new string('a', StateName.MaxLength + 1)));
    }

    [TestMethod]
    public void Null_is_refused() => Assert.ThrowsExactly<ArgumentException>(() => StateName.Validate(null, "backend"));
}
