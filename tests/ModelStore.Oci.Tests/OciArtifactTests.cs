using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ModelStore.States;
using ModelStore.Stores;
using ModelStore.Oci.Testing;

namespace ModelStore.Oci.Tests;

/// <summary>What the store writes (ModelPack artifacts), bundles, pinning by digest, mounts and tag pagination, against the plain registry.</summary>
[TestClass]
public sealed class OciArtifactTests
{
    private static readonly StateKey Key = new(new StateType("pytorch", "resnet18", "cls1000"), "imagenet");

    public TestContext TestContext { get; set; } = null!;

    private static RegistryServer Server => Registries.Plain;

    private CancellationToken Cancel => TestContext.CancellationToken;

    [TestMethod]
    public async Task A_state_is_a_one_layer_ModelPack_artifact_tagged_with_its_key()
    {
        var repository = RegistryServer.NewRepository();
        var store = new OciStateStore(Server.Registry, repository, Server.Options());
        var bytes = Encoding.ASCII.GetBytes("PK\u0003\u0004 a torch.save zip");

        await store.WriteAsync(Key, new MemoryStream(bytes), cancellationToken: Cancel);

        using var http = Server.RawClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"v2/{repository}/manifests/pytorch.resnet18.cls1000.imagenet");
        request.Headers.Accept.ParseAdd(ModelPack.ManifestMediaType);
        using var response = await http.SendAsync(request, Cancel);
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        var manifest = JsonNode.Parse(await response.Content.ReadAsStringAsync(Cancel))!;
        Assert.AreEqual(ModelPack.ArtifactType, (string?)manifest["artifactType"]);
        Assert.AreEqual(ModelPack.ConfigMediaType, (string?)manifest["config"]!["mediaType"]);
        var layer = manifest["layers"]!.AsArray().Single()!;
        Assert.AreEqual(ModelPack.WeightMediaType, (string?)layer["mediaType"]);
        Assert.AreEqual("pytorch.resnet18.cls1000.imagenet.pt", (string?)layer["annotations"]![ModelPack.FilePathAnnotation]);
        Assert.AreEqual("sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes)), (string?)layer["digest"]);
        var config = JsonNode.Parse(await http.GetStringAsync($"v2/{repository}/blobs/{(string?)manifest["config"]!["digest"]}", Cancel))!;
        Assert.AreEqual("pytorch", (string?)config["config"]!["format"]);
        Assert.AreEqual("resnet18", (string?)config["config"]!["architecture"]);
        Assert.AreEqual("pytorch/resnet18.cls1000.imagenet", (string?)config["descriptor"]!["name"]);
        Assert.AreEqual((string?)layer["digest"], (string?)config["modelfs"]!["diffIds"]![0]);
    }

    [TestMethod]
    public async Task A_bundle_is_one_layer_per_file_read_back_by_path()
    {
        var store = new OciStateStore(Server.Registry, RegistryServer.NewRepository(), Server.Options());
        var weights = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 5);
        var config = Encoding.UTF8.GetBytes("""{"hidden_size": 8}""");

        await store.WriteFilesAsync(Key, [new("model.safetensors", new MemoryStream(weights)), new("config.json", new MemoryStream(config))], cancellationToken: Cancel);

        CollectionAssert.AreEqual(weights, await ReadAsync(store.ForFile("model.safetensors"), Key));
        CollectionAssert.AreEqual(config, await ReadAsync(store.ForFile("config.json"), Key));
        Assert.IsFalse(await store.ForFile("missing.bin").ExistsAsync(Key, Cancel));
        var missing = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.ForFile("missing.bin").OpenReadAsync(Key, Cancel));
        Assert.AreEqual(StateStoreError.NotFound, missing.Error);
        StringAssert.Contains(missing.Message, "model.safetensors");
        var ambiguous = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.OpenReadAsync(Key, Cancel));
        Assert.AreEqual(StateStoreError.InvalidContent, ambiguous.Error);
        StringAssert.Contains(ambiguous.Message, "Path");
        Assert.ThrowsExactly<ArgumentException>(() => store.ForFile("../etc/passwd"));
    }

    [TestMethod]
    public async Task A_bundle_state_resolves_from_a_pinned_artifact_one_file_per_layer()
    {
        var store = new OciStateStore(Server.Registry, RegistryServer.NewRepository(), Server.Options());
        var weights = RandomNumberGenerator.GetBytes(2 * 1024 * 1024 + 3);
        var config = Encoding.UTF8.GetBytes("""{"hidden_size": 8}""");
        var readme = Encoding.UTF8.GetBytes("not in the bundle");
        await store.WriteFilesAsync(Key, [new("model.safetensors", new MemoryStream(weights)), new("config.json", new MemoryStream(config)), new("README.md", new MemoryStream(readme))], cancellationToken: Cancel);
        var artifact = store.AtReference(OciStateStore.GetTag(Key));
        var pinned = artifact.AtRevision(await artifact.ResolveRevisionAsync(Cancel));

        var files = await pinned.ListFilesAsync(Cancel);
        var cacheRoot = Directory.CreateTempSubdirectory("modelstore-oci-bundle-").FullName;
        try
        {
            await using var stores = new ModelStore.Resolution.StoreCatalog();
            stores.Add("registry", pinned);
            var resolver = new ModelStore.Resolution.StateResolver(new ModelStore.Resolution.StateResolverOptions { Cache = new ModelStore.Caching.StateCache(cacheRoot), Stores = stores });
            var outcome = await resolver.ResolveAsync(new ModelStore.Resolution.StateRequest(Key, "registry") { Files = ModelStore.Resolution.FilePatterns.Parse("*.safetensors;*.json") }, Cancel);

            Assert.AreEqual(3, files.Count);
            Assert.AreEqual(Convert.ToHexStringLower(SHA256.HashData(weights)), files.Single(file => file.Path == "model.safetensors").Sha256);
            Assert.IsNull(outcome.Failure, outcome.Failure?.Message);
            CollectionAssert.AreEquivalent(new[] { "config.json", "model.safetensors" }, outcome.Files!.Select(file => file.Path).ToArray());
            CollectionAssert.AreEqual(weights, await File.ReadAllBytesAsync(Path.Combine(outcome.Path!, "model.safetensors"), Cancel));
            CollectionAssert.AreEqual(config, await File.ReadAllBytesAsync(Path.Combine(outcome.Path!, "config.json"), Cancel));
            Assert.IsFalse(File.Exists(Path.Combine(outcome.Path!, "README.md")));
        }
        finally
        {
            Directory.Delete(cacheRoot, recursive: true);
        }
    }

    [TestMethod]
    public async Task A_tag_resolves_to_its_digest_and_the_pinned_artifact_survives_a_moved_tag()
    {
        var repository = RegistryServer.NewRepository();
        var store = new OciStateStore(Server.Registry, repository, Server.Options());
        await store.WriteAsync(Key, new MemoryStream([1, 1, 1]), cancellationToken: Cancel);
        var artifact = store.AtReference(OciStateStore.GetTag(Key));

        var digest = await artifact.ResolveRevisionAsync(Cancel);
        var pinned = artifact.AtRevision(digest);
        await store.WriteAsync(Key, new MemoryStream([2, 2]), overwrite: true, cancellationToken: Cancel);

        StringAssert.StartsWith(digest, "sha256:");
        Assert.AreNotEqual(digest, await artifact.ResolveRevisionAsync(Cancel), "The tag moved.");
        CollectionAssert.AreEqual(new byte[] { 1, 1, 1 }, await ReadAsync(pinned, Key));
        CollectionAssert.AreEqual(new byte[] { 2, 2 }, await ReadAsync(artifact, Key));
        Assert.AreEqual($"oci:{Server.Registry}/{repository}@{digest}", pinned.Id);
        CollectionAssert.AreEqual(new[] { Key }, (await pinned.GetStateKeysAsync(Key.StateType, Cancel)).ToArray());
        Assert.ThrowsExactly<ArgumentException>(() => artifact.AtRevision("latest"), "A lock file pins a digest, never a tag.");
        var readOnly = await Assert.ThrowsExactlyAsync<StateStoreException>(() => pinned.WriteAsync(Key, new MemoryStream([3]), cancellationToken: Cancel));
        Assert.AreEqual(StateStoreError.ReadOnly, readOnly.Error);
        var missing = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.AtReference("no-such-tag").ResolveRevisionAsync(Cancel));
        Assert.AreEqual(StateStoreError.NotFound, missing.Error);
    }

    [TestMethod]
    public async Task A_blob_the_target_lacks_is_mounted_from_another_repository()
    {
        var source = RegistryServer.NewRepository();
        var target = RegistryServer.NewRepository();
        var bytes = RandomNumberGenerator.GetBytes(200_000);
        var path = Path.Combine(Path.GetTempPath(), $"oci-mount-{Guid.NewGuid():N}.bin");
        await File.WriteAllBytesAsync(path, bytes, Cancel);
        try
        {
            await new OciStateStore(Server.Registry, source, Server.Options()).WriteAsync(Key, new MemoryStream(bytes), cancellationToken: Cancel);
            var options = Server.Options();
            options.MountFrom = [source];
            var mirror = new OciStateStore(Server.Registry, target, options);

            await using (var file = File.OpenRead(path))
            {
                await mirror.WriteAsync(Key, file, cancellationToken: Cancel);
            }

            CollectionAssert.AreEqual(bytes, await ReadAsync(mirror, Key));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public async Task Listing_follows_the_Link_header_and_ignores_foreign_tags()
    {
        var repository = RegistryServer.NewRepository();
        var store = new OciStateStore(Server.Registry, repository, Server.Options());
        var keys = Enumerable.Range(0, 5).Select(i => new StateKey(Key.StateType, $"run-{i}")).ToArray();
        foreach (var key in keys)
        {
            await store.WriteAsync(key, new MemoryStream([(byte)key.TrainingId.Length]), cancellationToken: Cancel);
        }

        await store.WriteAsync(new StateKey(new StateType("pytorch", "vgg16"), "imagenet"), new MemoryStream([9]), cancellationToken: Cancel);
        await TagAsync(repository, OciStateStore.GetTag(keys[0]), "latest");
        var paged = Server.Options();
        paged.TagPageSize = 2;

        var listed = await new OciStateStore(Server.Registry, repository, paged).GetStateKeysAsync(new StateType("pytorch", "resnet18"), Cancel);

        CollectionAssert.AreEqual(keys, listed.ToArray());
    }

    [TestMethod]
    public async Task A_damaged_blob_is_an_integrity_error()
    {
        var repository = RegistryServer.NewRepository();
        var store = new OciStateStore(Server.Registry, repository, Server.Options());
        var good = RandomNumberGenerator.GetBytes(1000);
        var other = RandomNumberGenerator.GetBytes(1000);
        await store.WriteAsync(Key, new MemoryStream(good), cancellationToken: Cancel);
        await store.WriteAsync(new StateKey(Key.StateType, "other"), new MemoryStream(other), cancellationToken: Cancel);
        // A manifest whose layer names one digest but whose size is the other's: the registry serves the real blob, the size check fails.
        using var http = Server.RawClient();
        var goodDigest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(good));
        using var get = new HttpRequestMessage(HttpMethod.Get, $"v2/{repository}/manifests/{OciStateStore.GetTag(Key)}");
        get.Headers.Accept.ParseAdd(ModelPack.ManifestMediaType);
        using var got = await http.SendAsync(get, Cancel);
        var manifest = (await got.Content.ReadAsStringAsync(Cancel)).Replace("\"size\":1000", "\"size\":999");
        using var put = new ByteArrayContent(Encoding.UTF8.GetBytes(manifest));
        put.Headers.ContentType = new(ModelPack.ManifestMediaType);
        (await http.PutAsync($"v2/{repository}/manifests/damaged.x.y", put, Cancel)).EnsureSuccessStatusCode();
        var damagedKey = OciNamesFor("damaged.x.y");

        var error = await Assert.ThrowsExactlyAsync<StateStoreException>(() => ReadAsync(store.AtReference("damaged.x.y").ForFile($"{OciStateStore.GetTag(Key)}.pt"), damagedKey));

        Assert.AreEqual(StateStoreError.IntegrityMismatch, error.Error);
        StringAssert.Contains(error.Message, goodDigest);
    }

    [TestMethod]
    [DataRow("../../etc/passwd", "unsafe")]
    [DataRow("/abs/model.pt", "unsafe")]
    [DataRow(null, "two layers have the file path")]
    public async Task A_hostile_manifest_is_invalid_content_before_any_blob_is_fetched(string? filePath, string expected)
    {
        var repository = RegistryServer.NewRepository();
        var store = new OciStateStore(Server.Registry, repository, Server.Options());
        await store.WriteAsync(Key, new MemoryStream([1, 2, 3]), cancellationToken: Cancel);
        using var http = Server.RawClient();
        using var get = new HttpRequestMessage(HttpMethod.Get, $"v2/{repository}/manifests/{OciStateStore.GetTag(Key)}");
        get.Headers.Accept.ParseAdd(ModelPack.ManifestMediaType);
        using var got = await http.SendAsync(get, Cancel);
        var manifest = JsonNode.Parse(await got.Content.ReadAsStringAsync(Cancel))!;
        if (filePath is null)
        {
            manifest["layers"]!.AsArray().Add(manifest["layers"]![0]!.DeepClone()); // One path, two blobs: which one is the file?
        }
        else
        {
            manifest["layers"]![0]!["annotations"]![ModelPack.FilePathAnnotation] = filePath;
        }

        using var put = new ByteArrayContent(Encoding.UTF8.GetBytes(manifest.ToJsonString()));
        put.Headers.ContentType = new(ModelPack.ManifestMediaType);
        (await http.PutAsync($"v2/{repository}/manifests/hostile.x.y", put, Cancel)).EnsureSuccessStatusCode();

        var error = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.OpenReadAsync(OciNamesFor("hostile.x.y"), Cancel));

        Assert.AreEqual(StateStoreError.InvalidContent, error.Error);
        StringAssert.Contains(error.Message, expected);
    }

    private static StateKey OciNamesFor(string tag) => StateKey.Parse(tag[..tag.IndexOf('.')] + "/" + tag[(tag.IndexOf('.') + 1)..]);

    private async Task TagAsync(string repository, string from, string to)
    {
        using var http = Server.RawClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"v2/{repository}/manifests/{from}");
        request.Headers.Accept.ParseAdd(ModelPack.ManifestMediaType);
        using var response = await http.SendAsync(request, Cancel);
        using var put = new ByteArrayContent(await response.Content.ReadAsByteArrayAsync(Cancel));
        put.Headers.ContentType = new(ModelPack.ManifestMediaType);
        (await http.PutAsync($"v2/{repository}/manifests/{to}", put, Cancel)).EnsureSuccessStatusCode();
    }

    private async Task<byte[]> ReadAsync(IStateStore store, StateKey key)
    {
        await using var read = await store.OpenReadAsync(key, Cancel);
        using var copy = new MemoryStream();
        await read.CopyToAsync(copy, Cancel);
        return copy.ToArray();
    }
}
