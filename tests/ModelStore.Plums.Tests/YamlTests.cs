using ModelStore.Plums.Yaml;

namespace ModelStore.Plums.Tests;

[TestClass]
public sealed class YamlTests
{
    [TestMethod]
    [DataRow("yes", (int)YScalarKind.Bool, "true")]
    [DataRow("Off", (int)YScalarKind.Bool, "false")]
    [DataRow("~", (int)YScalarKind.Null, "null")]
    [DataRow("", (int)YScalarKind.Null, "null")]
    [DataRow("0x1F", (int)YScalarKind.Int, "31")]
    [DataRow("017", (int)YScalarKind.Int, "15")]
    [DataRow("0b101", (int)YScalarKind.Int, "5")]
    [DataRow("1_000", (int)YScalarKind.Int, "1000")]
    [DataRow("1:30", (int)YScalarKind.Int, "90")]
    [DataRow("-12", (int)YScalarKind.Int, "-12")]
    [DataRow("1e5", (int)YScalarKind.String, "1e5")]
    [DataRow("0o7", (int)YScalarKind.String, "0o7")]
    [DataRow("1.0e+5", (int)YScalarKind.Float, "100000.0")]
    [DataRow("1.", (int)YScalarKind.Float, "1.0")]
    [DataRow(".5", (int)YScalarKind.Float, "0.5")]
    [DataRow("-.inf", (int)YScalarKind.Float, "-.inf")]
    [DataRow("2020-01-02", (int)YScalarKind.Timestamp, "2020-01-02")]
    [DataRow("0.4.0", (int)YScalarKind.String, "0.4.0")]
    [DataRow("08", (int)YScalarKind.String, "08")]
    public void PlainScalarsAreTypedAsPyYamlTypesThem(string text, int kindValue, string canonical)
    {
        var kind = (YScalarKind)kindValue;
        var scalar = Yaml11Resolver.ResolvePlain(text)!;
        Assert.AreEqual(kind, scalar.Kind);
        Assert.AreEqual(canonical, YamlWriter.Scalar(scalar).Trim('\''));
    }

    [TestMethod]
    [DataRow(1552481973.357268, "1552481973.357268")]
    [DataRow(10.0, "10.0")]
    [DataRow(0.0, "0.0")]
    [DataRow(-0.0, "-0.0")]
    [DataRow(1e16, "1.0e+16")]
    [DataRow(1.5e16, "1.5e+16")]
    [DataRow(1e15, "1000000000000000.0")]
    [DataRow(0.0001, "0.0001")]
    [DataRow(0.00001, "1.0e-05")]
    [DataRow(1.25e-300, "1.25e-300")]
    [DataRow(123.456, "123.456")]
    public void FloatsAreWrittenAsPythonReprThroughPyYaml(double value, string expected)
    {
        Assert.AreEqual(expected, YamlWriter.FormatFloat(value));
        Assert.AreEqual(value, Yaml11Resolver.ResolvePlain(expected)!.FloatValue);
    }

    [TestMethod]
    [DataRow("plain", "plain")]
    [DataRow("1.0", "'1.0'")]
    [DataRow("yes", "'yes'")]
    [DataRow("null", "'null'")]
    [DataRow("", "''")]
    [DataRow("a: b", "'a: b'")]
    [DataRow("-dash", "'-dash'")]
    [DataRow("it's", "it's")]
    [DataRow("'q", "'''q'")]
    [DataRow("#x", "'#x'")]
    [DataRow("tab\there", "\"tab\\there\"")]
    [DataRow("café", "\"caf\\xE9\"")]
    [DataRow("line\nbreak", "\"line\\nbreak\"")]
    public void StringsAreQuotedOnlyWhenPyYamlQuotesThem(string value, string expected)
    {
        var written = YamlWriter.Scalar(YScalar.String(value));
        Assert.AreEqual(expected, written);
        var read = (YMapping)YamlReader.Read("k: " + written + "\n");
        Assert.AreEqual(value, ((YScalar)read["k"]!).Text);
        Assert.AreEqual(YScalarKind.String, ((YScalar)read["k"]!).Kind);
    }

    [TestMethod]
    public void ReaderFollowsSafeLoadSemantics()
    {
        var mapping = (YMapping)YamlReader.Read("a: 1\nb: &x [1, 2]\nc: *x\na: 2\n");
        Assert.AreEqual(3, mapping.Entries.Count);
        Assert.AreEqual("2", ((YScalar)mapping["a"]!).Text, "a repeated key keeps the last value");
        Assert.AreSame(mapping["b"], mapping["c"]);
        Assert.ThrowsExactly<YamlReadException>(() => YamlReader.Read("a: !!python/object:os.system ls\n"));
        Assert.ThrowsExactly<YamlReadException>(() => YamlReader.Read("a: 1\n---\nb: 2\n"));
        Assert.ThrowsExactly<YamlReadException>(() => YamlReader.Read("&a [*a]"));
        Assert.ThrowsExactly<YamlReadException>(() => YamlReader.Read("? [1]\n: 2\n"));
        Assert.AreEqual(YScalarKind.Null, ((YScalar)YamlReader.Read("")).Kind);
        Assert.AreEqual(YScalarKind.String, ((YScalar)((YMapping)YamlReader.Read("a: !!str 1\n"))["a"]!).Kind);
    }

    [TestMethod]
    public void WriterLaysOutBlocksAsPyYaml()
    {
        var tree = YamlReader.Read("b: [1, {y: 2, x: [a, b]}, [c, d], {}, []]\na: {}\nc: null\n");
        Assert.AreEqual("a: {}\nb:\n- 1\n- x:\n  - a\n  - b\n  y: 2\n- - c\n  - d\n- {}\n- []\nc: null\n", YamlWriter.Write(tree));
    }
}

[TestClass]
public sealed class HostileYamlTests
{
    [TestMethod]
    [DataRow(100_000)]
    public void DeepNestingIsRefusedWithoutOverflowingTheStack(int depth)
    {
        Assert.ThrowsExactly<YamlReadException>(() => YamlReader.Read(new string('[', depth) + new string(']', depth)));
        Assert.ThrowsExactly<YamlReadException>(() => YamlReader.Read(string.Concat(Enumerable.Repeat("{a: ", depth)) + "1" + new string('}', depth)));
        var block = string.Concat(Enumerable.Range(0, 200).Select(i => new string(' ', i) + "k:\n"));
        Assert.ThrowsExactly<YamlReadException>(() => YamlReader.Read(block));
    }

    [TestMethod]
    public void AnAliasBombStaysSmallAndIsRefusedAsBuildParameters()
    {
        var bomb = new System.Text.StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i < 12; i++)
        {
            bomb.Append($"a{i}: &a{i} [").AppendJoin(", ", Enumerable.Repeat($"*a{i - 1}", 10)).Append("]\n");
        }

        var tree = YamlReader.Read(bomb.ToString());
        Assert.AreEqual(12, ((YMapping)tree).Entries.Count);
        Assert.ThrowsExactly<YamlReadException>(() => Storage.BuildParametersYaml.FromYaml(tree));
    }
}
