namespace ModelStore.Plums.Tests;

[TestClass]
public sealed class VersionTests
{
    [TestMethod]
    [DataRow("1.0.0", "1.0.0")]
    [DataRow("v1.0", "1.0")]
    [DataRow(" 1.0-ALPHA.1 ", "1.0a1")]
    [DataRow("1.0beta", "1.0b0")]
    [DataRow("1.0c3", "1.0rc3")]
    [DataRow("1.0.preview2", "1.0rc2")]
    [DataRow("1.0-1", "1.0.post1")]
    [DataRow("1.0.rev", "1.0.post0")]
    [DataRow("1.0-dev", "1.0.dev0")]
    [DataRow("2!1.0", "2!1.0")]
    [DataRow("0!1.0", "1.0")]
    [DataRow("1.0+Ubuntu-1_01", "1.0+ubuntu.1.1")]
    [DataRow("01.002", "1.2")]
    public void PyPaVersionsAreWrittenInNormalForm(string input, string normal)
    {
        var version = ProducerVersion.Create("py_pa", input);
        Assert.AreEqual("py_pa", version.Format);
        Assert.AreEqual(normal, version.Value);
    }

    [TestMethod]
    public void PyPaVersionsOrderAsPep440Says()
    {
        var ordered = new[] { "1.0.dev0", "1.0a1.dev0", "1.0a1", "1.0b1", "1.0rc1", "1.0", "1.0+local", "1.0.post1.dev0", "1.0.post1", "1.1", "1!0.1" };
        for (var i = 0; i < ordered.Length - 1; i++)
        {
            var lower = ProducerVersion.Create("py_pa", ordered[i]);
            var higher = ProducerVersion.Create("py_pa", ordered[i + 1]);
            Assert.IsTrue(lower < higher, $"{ordered[i]} < {ordered[i + 1]}");
            Assert.IsTrue(higher > lower);
        }

        Assert.AreEqual(ProducerVersion.Create("py_pa", "1.0"), ProducerVersion.Create("py_pa", "1.0.0"));
        Assert.AreEqual(ProducerVersion.Create("py_pa", "1.0").GetHashCode(), ProducerVersion.Create("py_pa", "1.0.0").GetHashCode());
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("one")]
    [DataRow("1.0.")]
    [DataRow("1..0")]
    [DataRow("1.0+")]
    public void InvalidVersionsAndUnknownFormatsAreTypedErrors(string input)
    {
        Assert.AreEqual(PlumsErrorCode.InvalidVersion, Assert.ThrowsExactly<PlumsException>(() => ProducerVersion.Create("py_pa", input)).Code);
        Assert.AreEqual(PlumsErrorCode.UnknownVersionFormat, Assert.ThrowsExactly<PlumsException>(() => ProducerVersion.Create("semver", "1.0.0")).Code);
    }
}
