using Amazon.S3.Model;
using ModelStore.States;
using ModelStore.Testing;

namespace ModelStore.S3.Tests;

/// <summary>Object names, listing and multipart uploads as seen from the server.</summary>
[TestClass]
public sealed class S3LayoutAndListingTests
{
    private static readonly StateType Resnet = new("pytorch", "resnet18", "cls1000");

    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Cancel => TestContext.CancellationToken;

    [TestMethod]
    public async Task States_are_stored_under_MoZuMa_object_names()
    {
        var bucket = await RadosGateway.CreateBucketAsync(Cancel);
        using var store = new S3StateStore(RadosGateway.Options(bucket, basePath: "pretrained-models"));

        await store.WriteAsync(new StateKey(Resnet, "imagenet"), new MemoryStream([1, 2, 3]), cancellationToken: Cancel);
        await store.WriteAsync(new StateKey(new StateType("pytorch", "clip-image-rn50"), "clip"), new MemoryStream([4]), cancellationToken: Cancel);

        using var admin = RadosGateway.AdminClient();
        var listed = await admin.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket }, Cancel);
        CollectionAssert.AreEquivalent(
            new[] { "pretrained-models/pytorch/resnet18.cls1000.imagenet.pt", "pretrained-models/pytorch/clip-image-rn50.clip.pt" },
            listed.S3Objects.Select(entry => entry.Key).ToArray());
        Assert.AreEqual("pretrained-models/", store.BasePath);
    }

    [TestMethod]
    public async Task A_state_published_by_another_tool_under_the_MoZuMa_name_is_read()
    {
        var bucket = await RadosGateway.CreateBucketAsync(Cancel);
        using var admin = RadosGateway.AdminClient();
        await admin.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "states/pytorch/resnet18.cls1000.places365.pt", ContentBody = "weights", UseChunkEncoding = false }, Cancel);
        using var store = new S3StateStore(RadosGateway.Options(bucket, basePath: "/states/"));

        var key = (await store.GetStateKeysAsync(Resnet, Cancel)).Single();
        var model = new BytesModel(Resnet);
        await store.LoadAsync(model, key, Cancel);

        Assert.AreEqual(new StateKey(Resnet, "places365"), key);
        Assert.AreEqual("weights", System.Text.Encoding.UTF8.GetString(model.State));
    }

    [TestMethod]
    public async Task Listing_ignores_foreign_objects_and_other_base_paths()
    {
        var bucket = await RadosGateway.CreateBucketAsync(Cancel);
        using var admin = RadosGateway.AdminClient();
        string[] foreign =
        [
            "pretrained-models/pytorch/resnet18.cls1000.imagenet.pt.partial",
            "pretrained-models/pytorch/resnet18.notes.txt",
            "pretrained-models/pytorch/resnet18.pt",
            "pretrained-models/pytorch/resnet18..pt",
            "pretrained-models/pytorch/resnet18.bad id.pt",
            "pretrained-models/pytorch/sub/resnet18.x.pt",
            "pretrained-models/pytorch.resnet18.x.pt",
            "other/pytorch/resnet18.cls1000.imagenet.pt",
            "pytorch/resnet18.cls1000.imagenet.pt",
        ];
        foreach (var name in foreign.Append("pretrained-models/pytorch/resnet18.cls1000.imagenet.pt"))
        {
            await admin.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = name, ContentBody = "x", UseChunkEncoding = false }, Cancel);
        }

        using var store = new S3StateStore(RadosGateway.Options(bucket));
        var keys = await store.GetStateKeysAsync(new StateType("pytorch", "resnet18"), Cancel);

        CollectionAssert.AreEqual(new[] { new StateKey(Resnet, "imagenet") }, keys.ToArray());
    }

    [TestMethod]
    public async Task Listing_pages_through_more_than_a_thousand_objects()
    {
        var bucket = await RadosGateway.CreateBucketAsync(Cancel);
        using var admin = RadosGateway.AdminClient();
        var expected = Enumerable.Range(0, 1105).Select(i => new StateKey(Resnet.WithExtras($"x{i % 3}"), $"run-{i:D4}")).ToArray();
        var others = Enumerable.Range(0, 40).Select(i => $"pretrained-models/pytorch/resnet18-small.cls1000.run-{i}.pt");
        var names = expected.Select(S3ObjectNamesFor).Concat(others).ToArray();

        // Small PUTs in parallel keep the setup to a few seconds.
        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = Cancel }, async (name, token) =>
            await admin.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = name, ContentBody = "s", UseChunkEncoding = false }, token));

        using var store = new S3StateStore(RadosGateway.Options(bucket));
        var keys = await store.GetStateKeysAsync(Resnet, Cancel);

        Assert.AreEqual(expected.Length, keys.Count);
        CollectionAssert.AreEquivalent(expected, keys.ToArray());
    }

    [TestMethod]
    public async Task A_state_larger_than_a_part_is_sent_as_a_multipart_upload_from_a_non_seekable_stream()
    {
        var bucket = await RadosGateway.CreateBucketAsync(Cancel);
        var options = RadosGateway.Options(bucket);
        using var store = new S3StateStore(options);
        var key = new StateKey(Resnet, "multipart");
        var size = (2L * options.MultipartPartSize) + 12345;

        await using (var source = new PatternStream(size, seed: 11))
        {
            Assert.IsFalse(source.CanSeek);
            await store.WriteAsync(key, source, cancellationToken: Cancel);
        }

        using var admin = RadosGateway.AdminClient();
        var metadata = await admin.GetObjectMetadataAsync(bucket, store.GetObjectName(key), Cancel);
        Assert.AreEqual(size, metadata.ContentLength);
        StringAssert.EndsWith(metadata.ETag.Trim('"'), "-3", "a multipart object's ETag ends with its part count");
        await using var read = await store.OpenReadAsync(key, Cancel);
        Assert.AreEqual(PatternStream.Sha256Of(size, seed: 11), Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(read, Cancel)));
    }

    [TestMethod]
    public async Task A_source_stream_failing_mid_upload_surfaces_as_is_and_leaves_no_object_nor_upload()
    {
        var bucket = await RadosGateway.CreateBucketAsync(Cancel);
        var options = RadosGateway.Options(bucket);
        using var store = new S3StateStore(options);
        var key = new StateKey(Resnet, "broken");
        var failing = new PatternStream(4L * options.MultipartPartSize, seed: 13);
        failing.OnRead = position =>
        {
            if (position > (2L * options.MultipartPartSize) + 1000)
            {
                throw new IOException("disk gone");
            }
        };

        var error = await Assert.ThrowsExactlyAsync<IOException>(() => store.WriteAsync(key, failing, cancellationToken: Cancel));

        Assert.AreEqual("disk gone", error.Message);
        Assert.IsFalse(await store.ExistsAsync(key, Cancel));
        using var admin = RadosGateway.AdminClient();
        var uploads = await admin.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = bucket }, Cancel);
        Assert.AreEqual(0, uploads.MultipartUploads?.Count ?? 0, "The multipart upload was aborted.");
    }

    [TestMethod]
    public async Task A_state_of_exactly_one_part_round_trips()
    {
        var bucket = await RadosGateway.CreateBucketAsync(Cancel);
        var options = RadosGateway.Options(bucket);
        using var store = new S3StateStore(options);
        var key = new StateKey(Resnet, "one-part");

        await store.WriteAsync(key, new PatternStream(options.MultipartPartSize, seed: 12), cancellationToken: Cancel);

        await using var read = await store.OpenReadAsync(key, Cancel);
        Assert.AreEqual(PatternStream.Sha256Of(options.MultipartPartSize, seed: 12), Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(read, Cancel)));
    }

    [TestMethod]
    public async Task Id_and_description_name_the_endpoint_bucket_and_base_path_without_secrets()
    {
        using var store = new S3StateStore(RadosGateway.Options("models", basePath: "states"));

        Assert.AreEqual($"s3:{RadosGateway.Endpoint}/models/states/", store.Id);
        StringAssert.Contains(store.Description, "s3://models/states/");
        Assert.IsFalse(store.Id.Contains(RadosGateway.SecretKey, StringComparison.Ordinal) || store.Description.Contains(RadosGateway.SecretKey, StringComparison.Ordinal));
        Assert.AreEqual("s3:eu-west-3/models/", new S3StateStore(new S3StateStoreOptions { Bucket = "models", Region = "eu-west-3" }).Id);
    }

    [TestMethod]
    public async Task Credentials_come_from_the_standard_chain_when_none_are_given()
    {
        var bucket = await RadosGateway.CreateBucketAsync(Cancel);
        var options = RadosGateway.Options(bucket);
        options.AccessKey = null;
        options.SecretKey = null;
        using var store = new S3StateStore(options);

        await store.WriteAsync(new StateKey(Resnet, "from-env"), new MemoryStream([5]), cancellationToken: Cancel);

        Assert.IsTrue(await store.ExistsAsync(new StateKey(Resnet, "from-env"), Cancel));
    }

    private static string S3ObjectNamesFor(StateKey key) => S3ObjectNames.GetObjectName("pretrained-models/", key);
}
