using System.Text;
using ModelStore.States;

namespace ModelStore.Generators.Tests;

/// <summary>
/// The generator restates MoZuMa's name and key rules (it cannot load ModelStore.dll inside the compiler);
/// these tests hold it to the runtime's <see cref="StateName"/> and <see cref="StateKey"/> on hostile input.
/// </summary>
[TestClass]
public sealed class StateKeyRulesAgreementTests
{
    public static IEnumerable<object[]> HostileNames() => new[]
    {
        "", "a", "a\n", "a\r\n", "\n", "a\r", " a", "a ", "a b", "a\tb", "a\0b", "a.b", "a/b", "a\\b", "a:b", "..", ".", "-", "_", "--_",
        "é", "e\u0301", "日本語", "ñ_-", "Straße", "ǅungla", "ʰa", "ⅫⅢ", "١٢٣", "²", "½", "𝒜𝒷", "𐐨𐐩", "😀", "a😀", "\uD800", "\uDC00",
        "a\uD800b", "\uDC00\uD800", "a\u200Db", "\u00A0", "a\u3000b", "a\u2028b", "Ａｂ", "\uFEFFa", "a\u0085", "٣d-unet",
        new string('x', 99), new string('x', 100), new string('x', 101), new string('x', 99) + "𝒜", new string('é', 100),
        "Ⅻ-ǅ_٣²", "null", "con", "aux", "a%20b", "a+b", "a'b", "a\"b", "<a>", "a&b", "a*b", "a?b", "a|b", "~a", "a$", "a#",
    }.Select(static name => new object[] { name });

    public static IEnumerable<object[]> HostileKeys() => new[]
    {
        "pytorch/a.b", "pytorch/a", "pytorch/a.", "pytorch/.b", "pytorch/a..b", "/a.b", "pytorch/", "pytorch", "", ".", "/", "a/b/c.d",
        "pytorch/a.b/c", "pytorch/a.b\n", "pytorch/a.b\r\n", "py torch/a.b", "pytorch/a.b.c.d.e", "pytorch/é.日本", "pytorch/a.b ",
        "pytorch//a.b", "pytorch/resnet18.cls1000.imagenet", "pytorch/tiny-mlp.digits.2026-01-01", "pytorch/a.😀", "pytorch/²._",
        "onnx/" + new string('a', 100) + ".v1", "onnx/" + new string('a', 101) + ".v1", "pytorch/a\uD800.b", "pytorch\\a.b",
    }.Select(static key => new object[] { key });

    [TestMethod]
    [DynamicData(nameof(HostileNames))]
    public void Name_rule_agrees_with_StateName_including_the_reason(string name)
    {
        var generatorProblem = StateKeyRules.CheckName(name);
        Assert.AreEqual(StateName.IsValid(name), generatorProblem is null, $"disagreement on {Escape(name)}: generator says {generatorProblem ?? "valid"}");
        // The runtime enumerates runes and shows an unpaired surrogate as U+FFFD; the generator names the surrogate itself.
        if (generatorProblem is not null && !HasUnpairedSurrogate(name))
        {
            var runtime = Assert.ThrowsExactly<ArgumentException>(() => StateName.Validate(name, "name"));
            StringAssert.Contains(runtime.Message, generatorProblem);
        }
    }

    [TestMethod]
    [DynamicData(nameof(HostileKeys))]
    public void Key_rule_agrees_with_StateKey_TryParse_and_splits_the_same_way(string key)
    {
        var generatorValid = StateKeyRules.TryParseKey(key, out var parts, out var generatorError);
        var runtimeValid = StateKey.TryParse(key, out var parsed, out var runtimeError);

        Assert.AreEqual(runtimeValid, generatorValid, $"disagreement on {Escape(key)}: generator {generatorError ?? "valid"}, runtime {runtimeError ?? "valid"}");
        if (runtimeValid)
        {
            var expected = new[] { parsed!.StateType.Architecture }.Concat(parsed.StateType.Extras).Append(parsed.TrainingId).ToArray();
            CollectionAssert.AreEqual(expected, parts.ToArray());
        }
        else if (!runtimeError!.Contains("expected backend/architecture", StringComparison.Ordinal) && !HasUnpairedSurrogate(key))
        {
            // Both name the same offending part for the same reason (the runtime adds the quoted key around it).
            StringAssert.Contains(runtimeError, generatorError!);
        }
    }

    [TestMethod]
    public void Random_names_from_every_kind_of_character_get_the_same_verdict()
    {
        // Letters, digits and numbers of many scripts, separators, marks, controls, symbols, surrogates (paired and not).
        string[] pool =
        [
            "a", "Z", "0", "9", "_", "-", ".", "/", " ", "\t", "\n", "\r", "\0", "é", "ß", "Ж", "ж", "λ", "日", "ا", "٣", "३", "Ⅻ", "²", "½",
            "ǅ", "ʰ", "\u0301", "\u200D", "\u00A0", "\u2028", "😀", "𝒜", "𐐨", "\uD800", "\uDC00", "€", "©", "'", "\"", "\\",
        ];
        var random = new Random(20261123);
        for (var sample = 0; sample < 5000; sample++)
        {
            var builder = new StringBuilder();
            var length = random.Next(0, 8);
            for (var i = 0; i < length; i++)
            {
                builder.Append(pool[random.Next(pool.Length)]);
            }

            var name = builder.ToString();
            Assert.AreEqual(StateName.IsValid(name), StateKeyRules.CheckName(name) is null, $"disagreement on {Escape(name)}");
        }
    }

    private static bool HasUnpairedSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsSurrogatePair(text, i))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return true;
            }
        }

        return false;
    }

    private static string Escape(string text) =>
        string.Concat(text.Select(static c => c is < ' ' or > '~' ? $"\\u{(int)c:X4}" : c.ToString()));
}
