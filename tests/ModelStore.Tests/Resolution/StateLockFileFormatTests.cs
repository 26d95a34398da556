using System.Text;
using ModelStore.Resolution;
using ModelStore.States;

namespace ModelStore.Tests.Resolution;

[TestClass]
public sealed class StateLockFileFormatTests
{
    private static readonly string ShaA = new('a', 64);
    private static readonly string ShaB = new('b', 64);

    private const string Full = """
        {
          "version": 1,
          "states": {
            "onnx/minilm.l6.v2": {
              "store": "hub",
              "path": "onnx/model.onnx",
              "ref": "main",
              "revision": "7dbbc90392e2f80f3d3c277d6e90027e55de9125",
              "sha256": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
              "size": 1234
            },
            "pytorch/resnet18.cls1000.imagenet": {
              "store": "url:https://host/r18.pt?X-Amz-Signature=***",
              "url": "https://host/r18.pt?X-Amz-Signature=abc",
              "sha256": "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
              "size": 10
            },
            "pytorch/tiny-mlp.digits.v1": {
              "store": "local",
              "sha256": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
              "size": 0
            }
          },
          "stores": {
            "hub": {
              "kind": "HuggingFace",
              "settings": {
                "Repository": "sentence-transformers/all-MiniLM-L6-v2"
              }
            },
            "local": {
              "kind": "Local",
              "baseDirectory": "src/app",
              "settings": {
                "BasePath": "x",
                "Folder": "states"
              }
            }
          }
        }

        """;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void A_lock_file_round_trips_byte_for_byte()
    {
        var bytes = Encoding.UTF8.GetBytes(Full.ReplaceLineEndings("\n"));

        var parsed = StateLockFileFormat.Parse(bytes, "modelstates.lock.json");

        CollectionAssert.AreEqual(bytes, StateLockFileFormat.Format(parsed), Encoding.UTF8.GetString(StateLockFileFormat.Format(parsed)));
        var url = parsed.Find(StateKey.Parse("pytorch/resnet18.cls1000.imagenet"))!;
        Assert.AreEqual("https://host/r18.pt?X-Amz-Signature=abc", url.Url!.OriginalString, "The real address is kept in its own field.");
        var hub = parsed.Find(StateKey.Parse("onnx/minilm.l6.v2"))!;
        Assert.AreEqual(("onnx/model.onnx", "main", "7dbbc90392e2f80f3d3c277d6e90027e55de9125"), (hub.Path, hub.Revision!.Requested, hub.Revision.Resolved));
        Assert.AreEqual("src/app", parsed.Stores["LOCAL"].BaseDirectory);
    }

    [TestMethod]
    public void Entries_stores_and_settings_are_written_sorted_whatever_the_order_given()
    {
        var states = new[] { "pytorch/zeta.v1", "pytorch/alpha.v1", "onnx/mid.v1" }.Select(key => new StateLockEntry(StateKey.Parse(key), "b", ShaA, 1));
        var stores = new[] { new StateLockStore("b", "Local", new Dictionary<string, string> { ["Z"] = "1", ["A"] = "2" }), new StateLockStore("a", "Local", new Dictionary<string, string>()) };

        var text = Encoding.UTF8.GetString(StateLockFileFormat.Format(new StateLockFile(states.Reverse(), stores)));

        Assert.IsTrue(text.IndexOf("onnx/mid.v1", StringComparison.Ordinal) < text.IndexOf("pytorch/alpha.v1", StringComparison.Ordinal) && text.IndexOf("pytorch/alpha.v1", StringComparison.Ordinal) < text.IndexOf("pytorch/zeta.v1", StringComparison.Ordinal), text);
        Assert.IsTrue(text.IndexOf("\"a\": {", StringComparison.Ordinal) < text.IndexOf("\"b\": {", StringComparison.Ordinal), text);
        Assert.IsTrue(text.IndexOf("\"A\"", StringComparison.Ordinal) < text.IndexOf("\"Z\"", StringComparison.Ordinal), text);
        Assert.IsFalse(text.Contains('\r', StringComparison.Ordinal));
        Assert.IsTrue(text.EndsWith("}\n", StringComparison.Ordinal));
    }

    [TestMethod]
    public void Fields_of_later_versions_are_ignored()
    {
        var text = $$"""{ "version": 1, "generator": "x", "states": { "pytorch/a.v1": { "store": "s", "sha256": "{{ShaA}}", "size": 3, "annotations": [ { "path": "a", "sha256": "{{ShaB}}" } ], "digest": "sha256:{{ShaB}}" } } }""";

        var parsed = StateLockFileFormat.Parse(Encoding.UTF8.GetBytes(text), "x.json");

        Assert.AreEqual(3, parsed.Find(StateKey.Parse("pytorch/a.v1"))!.Size);
    }

    [TestMethod]
    [DataRow("""{ "version": 2, "states": {} }""", "version 1")]
    [DataRow("""[1]""", "version 1")]
    [DataRow("""{ "version": 1, "states": [] }""", "\"states\"")]
    [DataRow("""{ "version": 1, "states": { "pytorch/../../etc.passwd": { "store": "s", "sha256": "SHA", "size": 1 } } }""", "not a state key")]
    [DataRow("""{ "version": 1, "states": { "pytorch/a.v1": { "store": "s", "sha256": "abc", "size": 1 } } }""", "not 64 hexadecimal digits")]
    [DataRow("""{ "version": 1, "states": { "pytorch/a.v1": { "store": "s", "sha256": "SHA", "size": -1 } } }""", "\"size\"")]
    [DataRow("""{ "version": 1, "states": { "pytorch/a.v1": { "store": "s", "sha256": "SHA", "size": "12" } } }""", "\"size\"")]
    [DataRow("""{ "version": 1, "states": { "pytorch/a.v1": { "sha256": "SHA", "size": 1 } } }""", "has no \"store\"")]
    [DataRow("""{ "version": 1, "states": { "pytorch/a.v1": { "store": "s\u001b[31m", "sha256": "SHA", "size": 1 } } }""", "\\u001B")]
    [DataRow("""{ "version": 1, "states": { "pytorch/a.v1": { "store": "s", "path": "../../etc/passwd", "sha256": "SHA", "size": 1 } } }""", "'.' or '..'")]
    [DataRow("""{ "version": 1, "states": { "pytorch/a.v1": { "store": "s", "path": "/etc/passwd", "sha256": "SHA", "size": 1 } } }""", "starts with '/'")]
    [DataRow("""{ "version": 1, "states": { "pytorch/a.v1": { "store": "url:x", "url": "ftp://host/a", "sha256": "SHA", "size": 1 } } }""", "http")]
    [DataRow("""{ "version": 1, "states": { "pytorch/a.v1": { "store": "url:x", "url": "https://user:pw@host/a", "sha256": "SHA", "size": 1 } } }""", "user name or password")]
    [DataRow("""{ "version": 1, "states": { "pytorch/a.v1": { "store": "local", "url": "https://host/a", "sha256": "SHA", "size": 1 } } }""", "not a url: store")]
    [DataRow("""{ "version": 1, "states": { "pytorch/a.v1": { "store": "s", "ref": "main", "sha256": "SHA", "size": 1 } } }""", "both \"ref\" and \"revision\"")]
    [DataRow("""{ "version": 1, "states": {}, "stores": { "s": { "kind": "Local", "settings": { "Folder": 3 } } } }""", "is not a string")]
    [DataRow("""{ "version": 1, "states": {}, "stores": { "s": { "kind": "Lo\u0007cal" } } }""", "\\u0007")]
    [DataRow("""{ "version": 1, "states": {""", "not valid JSON")]
    public void An_invalid_lock_file_is_a_typed_error_naming_the_file(string json, string expected)
    {
        var content = Encoding.UTF8.GetBytes(json.Replace("SHA", ShaA, StringComparison.Ordinal));

        var error = Assert.ThrowsExactly<StateResolutionException>(() => StateLockFileFormat.Parse(content, "/repo/modelstates.lock.json"));

        Assert.AreEqual(ResolutionFailureKind.InvalidLockFile, error.Failure.Kind);
        Assert.AreEqual("MST0010", error.Failure.BuildCode);
        Assert.AreEqual(2, error.Failure.ExitCode);
        StringAssert.Contains(error.Message, "/repo/modelstates.lock.json");
        StringAssert.Contains(error.Message, expected);
        Assert.IsFalse(error.Message.Any(c => char.IsControl(c) && c != '\n'), "A control character reached the message.");
    }

    [TestMethod]
    public void An_older_url_entry_keeps_its_address_only_when_nothing_was_redacted_from_it()
    {
        var text = $$"""{ "version": 1, "states": { "pytorch/a.v1": { "store": "url:https://host/a.pt", "sha256": "{{ShaA}}", "size": 1 }, "pytorch/b.v1": { "store": "url:https://host/b.pt?sig=***", "sha256": "{{ShaA}}", "size": 1 } } }""";

        var parsed = StateLockFileFormat.Parse(Encoding.UTF8.GetBytes(text), "x.json");

        Assert.AreEqual("https://host/a.pt", parsed.Find(StateKey.Parse("pytorch/a.v1"))!.Url!.AbsoluteUri);
        Assert.IsNull(parsed.Find(StateKey.Parse("pytorch/b.v1"))!.Url, "A redacted address is never requested.");
    }

    [TestMethod]
    public async Task Writing_is_atomic_and_only_when_the_content_changes()
    {
        var folder = Directory.CreateTempSubdirectory("modelstore-lock-").FullName;
        try
        {
            var path = Path.Combine(folder, "modelstates.lock.json");
            Assert.AreSame(StateLockFile.Empty, StateLockFileFormat.Read(path), "An absent file pins nothing.");
            var lockFile = new StateLockFile([new StateLockEntry(StateKey.Parse("pytorch/a.v1"), "local", ShaA, 5)]);

            var first = await StateLockFileFormat.WriteAsync(path, lockFile, TestContext.CancellationToken);
            var written = File.GetLastWriteTimeUtc(path);
            var second = await StateLockFileFormat.WriteAsync(path, StateLockFileFormat.Read(path), TestContext.CancellationToken);

            Assert.IsTrue(first);
            Assert.IsFalse(second);
            Assert.AreEqual(written, File.GetLastWriteTimeUtc(path));
            CollectionAssert.AreEqual(new[] { path }, Directory.GetFiles(folder), "No temporary file is left.");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
