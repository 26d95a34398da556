using Amazon.S3.Model;
using ModelStore.Caching;
using ModelStore.Resolution;
using ModelStore.States;

namespace ModelStore.S3.Tests;

/// <summary>Bundle states (<c>Files</c>) from objects under a base path of a real S3 server (radosgw), through the one resolver.</summary>
[TestClass]
public sealed class S3BundleTests
{
    private static readonly StateKey Key = StateKey.Parse("onnx/minilm.l6.v2");

    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Cancel => TestContext.CancellationToken;

    [TestMethod]
    public async Task A_bundle_lists_the_objects_under_the_base_path_and_an_object_changed_after_locking_is_MST0004()
    {
        var bucket = await RadosGateway.CreateBucketAsync(Cancel);
        using var admin = RadosGateway.AdminClient();
        var model = System.Security.Cryptography.RandomNumberGenerator.GetBytes(70_000);
        await PutAsync(admin, bucket, "models/minilm/onnx/model.onnx", model);
        await PutAsync(admin, bucket, "models/minilm/config.json", "{\"hidden\": 384}"u8.ToArray());
        await PutAsync(admin, bucket, "models/minilm/tokenizer.json", "{\"vocab\": []}"u8.ToArray());
        await PutAsync(admin, bucket, "models/other/config.json", "{}"u8.ToArray());
        var root = Directory.CreateTempSubdirectory("modelstore-s3-bundles-").FullName;
        try
        {
            var first = await ResolveAsync(bucket, new StateCache(Path.Combine(root, "a")), StateLockFile.Empty, locked: false);

            Assert.IsTrue(first.Succeeded, first.Failure?.Message);
            CollectionAssert.AreEqual(new[] { "config.json", "onnx/model.onnx", "tokenizer.json" }, first.Files!.Select(file => file.Path).ToArray());
            CollectionAssert.AreEqual(model, await File.ReadAllBytesAsync(Path.Combine(first.Path!, "onnx", "model.onnx"), Cancel));
            Assert.AreEqual("{\"hidden\": 384}", await File.ReadAllTextAsync(Path.Combine(first.Path!, "config.json"), Cancel));

            await PutAsync(admin, bucket, "models/minilm/config.json", "{\"hidden\": 768}"u8.ToArray());
            var changed = await ResolveAsync(bucket, new StateCache(Path.Combine(root, "b")), new StateLockFile([first.ToLockEntry()]), locked: true);

            Assert.AreEqual("MST0004", changed.Failure?.BuildCode, changed.Failure?.Message);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [TestMethod]
    public async Task A_locked_bundle_restores_each_file_with_one_ranged_GET_of_its_pinned_size()
    {
        // The first resolution knows each file's size from the listing and downloads it in ranges; the restore from the
        // lock file reads each one through the cache's small path, which knows its SHA-256 and size. radosgw's access log
        // shows one GET per file in each, both of exactly the file's range: no whole-object GET (which the AWS SDK would
        // hash with MD5) in either.
        var bucket = await RadosGateway.CreateBucketAsync(Cancel);
        using var admin = RadosGateway.AdminClient();
        var files = new Dictionary<string, byte[]>
        {
            ["onnx/model.onnx"] = System.Security.Cryptography.RandomNumberGenerator.GetBytes(70_000),
            ["config.json"] = "{\"hidden\": 384}"u8.ToArray(),
            ["tokenizer.json"] = "{\"vocab\": []}"u8.ToArray(),
        };
        foreach (var (path, content) in files)
        {
            await PutAsync(admin, bucket, "models/minilm/" + path, content);
        }

        var root = Directory.CreateTempSubdirectory("modelstore-s3-bundles-").FullName;
        try
        {
            var first = await ResolveAsync(bucket, new StateCache(Path.Combine(root, "a")), StateLockFile.Empty, locked: false);
            Assert.IsTrue(first.Succeeded, first.Failure?.Message);

            var restored = await ResolveAsync(bucket, new StateCache(Path.Combine(root, "b")), new StateLockFile([first.ToLockEntry()]), locked: true);

            Assert.IsTrue(restored.Succeeded, restored.Failure?.Message);
            foreach (var (path, content) in files)
            {
                CollectionAssert.AreEqual(content, await File.ReadAllBytesAsync(Path.Combine(restored.Path!, path), Cancel), path);
                var gets = (await RadosGateway.RequestLinesAsync($"\"GET /{bucket}/models/minilm/{path} ", atLeast: 2, Cancel)).ToList();
                Assert.HasCount(2, gets, string.Join('\n', gets));
                Assert.IsTrue(gets.All(line => line.Contains($"\" 206 {content.Length} ", StringComparison.Ordinal) && line.Contains($" bytes=0-{content.Length - 1} ", StringComparison.Ordinal)), string.Join('\n', gets));
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [TestMethod]
    public async Task A_file_view_writes_its_object_under_the_base_path_and_refuses_to_replace_it_unless_asked()
    {
        var bucket = await RadosGateway.CreateBucketAsync(Cancel);
        using var store = new S3StateStore(RadosGateway.Options(bucket, basePath: "mirror/"));
        var copy = store.ForFile("blobs/sha256/abc");

        await copy.WriteAsync(Key, new MemoryStream([1, 2, 3]), cancellationToken: Cancel);
        var again = await Assert.ThrowsExactlyAsync<ModelStore.Stores.StateStoreException>(() => copy.WriteAsync(Key, new MemoryStream([4]), cancellationToken: Cancel));
        await copy.WriteAsync(Key, new MemoryStream([5, 6]), overwrite: true, Cancel);

        Assert.AreEqual(ModelStore.Stores.StateStoreError.AlreadyExists, again.Error);
        using var admin = RadosGateway.AdminClient();
        using var read = await admin.GetObjectAsync(bucket, "mirror/blobs/sha256/abc", Cancel);
        using var bytes = new MemoryStream();
        await read.ResponseStream.CopyToAsync(bytes, Cancel);
        CollectionAssert.AreEqual(new byte[] { 5, 6 }, bytes.ToArray());
        Assert.AreEqual($"s3-file:{store.Endpoint}/{bucket}/mirror/blobs/sha256/abc", copy.Id);
    }

    private async Task<StateResolution> ResolveAsync(string bucket, StateCache cache, StateLockFile lockFile, bool locked)
    {
        using var store = new S3StateStore(RadosGateway.Options(bucket, basePath: "models/minilm/"));
        var stores = new StoreCatalog();
        stores.Add("s3", store);
        var resolver = new StateResolver(new StateResolverOptions { Cache = cache, Stores = stores, LockFile = lockFile, Locked = locked });
        return await resolver.ResolveAsync(new StateRequest(Key, "s3") { Files = FilePatterns.Parse("onnx/model.onnx;*.json") }, Cancel);
    }

    private async Task PutAsync(Amazon.S3.AmazonS3Client admin, string bucket, string name, byte[] content) =>
        await admin.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = name, InputStream = new MemoryStream(content), UseChunkEncoding = false }, Cancel);
}
