using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ModelStore.States;
using ModelStore.Oci.Testing;

namespace ModelStore.Oci.Tests;

/// <summary>
/// Interop with a registry client nobody here wrote: Debian's <c>skopeo</c> copies what the store pushes into an OCI
/// layout (the layer bytes are the state's), and pushes an OCI layout written here by the ModelPack specification, which
/// the store then lists and pulls.
/// </summary>
[TestClass]
public sealed class SkopeoInteropTests
{
    private string _folder = null!;

    public TestContext TestContext { get; set; } = null!;

    private static RegistryServer Server => Registries.Plain;

    private CancellationToken Cancel => TestContext.CancellationToken;

    [TestInitialize]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("modelstore-skopeo-").FullName;

    [TestCleanup]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [TestMethod]
    public async Task Skopeo_copies_what_the_store_pushes_into_an_OCI_layout_with_the_same_bytes()
    {
        var repository = RegistryServer.NewRepository();
        var store = new OciStateStore(Server.Registry, repository, Server.Options(uploadChunkSize: 1024 * 1024));
        var key = StateKey.Parse("pytorch/resnet18.cls1000.imagenet");
        var weights = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 11); // Chunked upload (3 PATCHes and a PUT).
        var config = Encoding.UTF8.GetBytes("""{"num_classes": 1000}""");
        await store.WriteAsync(key, new MemoryStream(weights), cancellationToken: Cancel);
        var bundleKey = StateKey.Parse("pytorch/resnet18.cls1000.bundle");
        await store.WriteFilesAsync(bundleKey, [new("model.safetensors", new MemoryStream(weights)), new("config.json", new MemoryStream(config))], cancellationToken: Cancel);

        var layout = Path.Combine(_folder, "layout");
        RegistryServer.Run("skopeo", "copy", "--src-tls-verify=false", $"docker://{Server.Registry}/{repository}:{OciStateStore.GetTag(key)}", $"oci:{layout}:single");
        RegistryServer.Run("skopeo", "copy", "--src-tls-verify=false", $"docker://{Server.Registry}/{repository}:{OciStateStore.GetTag(bundleKey)}", $"oci:{layout}:bundle");

        var single = LayoutFiles(layout, "single");
        var bundle = LayoutFiles(layout, "bundle");
        Assert.AreEqual(1, single.Count);
        CollectionAssert.AreEqual(weights, single["pytorch.resnet18.cls1000.imagenet.pt"]);
        CollectionAssert.AreEquivalent(new[] { "model.safetensors", "config.json" }, bundle.Keys.ToArray());
        CollectionAssert.AreEqual(weights, bundle["model.safetensors"]);
        CollectionAssert.AreEqual(config, bundle["config.json"]);
    }

    [TestMethod]
    public async Task An_artifact_skopeo_pushes_from_a_ModelPack_layout_is_listed_and_pulled()
    {
        var repository = RegistryServer.NewRepository();
        var weights = RandomNumberGenerator.GetBytes(2 * 1024 * 1024 + 3);
        var tokenizer = Encoding.UTF8.GetBytes("""{"vocab": ["a", "b"]}""");
        var layout = WriteLayout(Path.Combine(_folder, "pushed"), "v1", [("model.safetensors", ModelPack.WeightMediaType, weights), ("tokenizer.json", ModelPack.WeightConfigMediaType, tokenizer)]);
        RegistryServer.Run("skopeo", "copy", "--dest-tls-verify=false", $"oci:{layout}:v1", $"docker://{Server.Registry}/{repository}:onnx.minilm.l6.v2");

        var store = new OciStateStore(Server.Registry, repository, Server.Options());
        var key = StateKey.Parse("onnx/minilm.l6.v2");
        var listed = await store.GetStateKeysAsync(new StateType("onnx", "minilm"), Cancel);
        var weightsView = store.ForFile("model.safetensors");
        await using var read = await weightsView.OpenReadAsync(key, Cancel);
        using var copy = new MemoryStream();
        await read.CopyToAsync(copy, Cancel);
        var downloaded = Path.Combine(_folder, "tokenizer.json");
        var download = await ((Stores.IFileDownloadingStore)store.ForFile("tokenizer.json")).DownloadToFileAsync(key, downloaded, cancellationToken: Cancel);

        CollectionAssert.AreEqual(new[] { key }, listed.ToArray());
        CollectionAssert.AreEqual(weights, copy.ToArray());
        CollectionAssert.AreEqual(tokenizer, await File.ReadAllBytesAsync(downloaded, Cancel));
        Assert.AreEqual(Convert.ToHexStringLower(SHA256.HashData(tokenizer)), download.Sha256);
    }

    // The files of the artifact tagged `name` in an OCI layout, by their ModelPack file path.
    private static Dictionary<string, byte[]> LayoutFiles(string layout, string name)
    {
        var index = JsonNode.Parse(File.ReadAllText(Path.Combine(layout, "index.json")))!;
        var descriptor = index["manifests"]!.AsArray().Single(entry => (string?)entry!["annotations"]?["org.opencontainers.image.ref.name"] == name)!;
        var manifest = JsonNode.Parse(Blob(layout, (string)descriptor["digest"]!))!;
        Assert.AreEqual(ModelPack.ArtifactType, (string?)manifest["artifactType"]);
        return manifest["layers"]!.AsArray().ToDictionary(
            layer => (string)layer!["annotations"]![ModelPack.FilePathAnnotation]!,
            layer => Blob(layout, (string)layer!["digest"]!));
    }

    private static byte[] Blob(string layout, string digest) => File.ReadAllBytes(Path.Combine(layout, "blobs", "sha256", digest["sha256:".Length..]));

    // An OCI image layout (image-spec image-layout.md) holding one ModelPack artifact, written by hand from the specifications.
    private static string WriteLayout(string layout, string name, (string Path, string MediaType, byte[] Bytes)[] files)
    {
        Directory.CreateDirectory(Path.Combine(layout, "blobs", "sha256"));
        File.WriteAllText(Path.Combine(layout, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}""");
        var layers = new JsonArray();
        foreach (var (path, mediaType, bytes) in files)
        {
            layers.Add(new JsonObject
            {
                ["mediaType"] = mediaType,
                ["digest"] = AddBlob(layout, bytes),
                ["size"] = bytes.Length,
                ["annotations"] = new JsonObject { [ModelPack.FilePathAnnotation] = path },
            });
        }

        var config = Encoding.UTF8.GetBytes("""{"descriptor":{"name":"minilm"},"config":{"format":"safetensors","architecture":"transformer","precision":"float32"},"modelfs":{"type":"layers","diffIds":[]}}""");
        var manifest = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = ModelPack.ManifestMediaType,
            ["artifactType"] = ModelPack.ArtifactType,
            ["config"] = new JsonObject { ["mediaType"] = ModelPack.ConfigMediaType, ["digest"] = AddBlob(layout, config), ["size"] = config.Length },
            ["layers"] = layers,
        }.ToJsonString());
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["manifests"] = new JsonArray(new JsonObject
            {
                ["mediaType"] = ModelPack.ManifestMediaType,
                ["digest"] = AddBlob(layout, manifest),
                ["size"] = manifest.Length,
                ["annotations"] = new JsonObject { ["org.opencontainers.image.ref.name"] = name },
            }),
        };
        File.WriteAllText(Path.Combine(layout, "index.json"), index.ToJsonString());
        return layout;

        static string AddBlob(string layout, byte[] bytes)
        {
            var hex = Convert.ToHexStringLower(SHA256.HashData(bytes));
            File.WriteAllBytes(Path.Combine(layout, "blobs", "sha256", hex), bytes);
            return "sha256:" + hex;
        }
    }
}
