using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using ModelStore.States;
using ModelStore.Stores;
using ModelStore.Testing;

namespace ModelStore.S3.Tests;

/// <summary>
/// The store's <c>UseConditionalCreate</c> option (<c>If-None-Match: *</c>). Ceph radosgw (Pacific) honours it on a
/// single PUT, not on a multipart completion, so atomic creation holds for states up to one part there.
/// </summary>
[TestClass]
public sealed class S3ConditionalCreateTests
{
    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Cancel => TestContext.CancellationToken;

    [TestMethod]
    public async Task The_server_refuses_a_conditional_put_over_an_existing_object()
    {
        var options = RadosGateway.Options(await RadosGateway.CreateBucketAsync(Cancel));
        using var client = RadosGateway.AdminClient();
        await client.PutObjectAsync(new PutObjectRequest { BucketName = options.Bucket, Key = "a.pt", ContentBody = "first", UseChunkEncoding = false }, Cancel);
        var uploader = new S3Uploader(client, options);

        var error = await Assert.ThrowsAsync<AmazonS3Exception>(() => uploader.UploadAsync("a.pt", new PatternStream(1000), ifNoneMatch: true, Cancel));

        Assert.AreEqual(HttpStatusCode.PreconditionFailed, error.StatusCode);
        using var response = await client.GetObjectAsync(options.Bucket, "a.pt", Cancel);
        Assert.AreEqual("first", await new StreamReader(response.ResponseStream).ReadToEndAsync(Cancel));
    }

    [TestMethod]
    public async Task Concurrent_creators_with_conditional_create_have_one_winner()
    {
        var options = RadosGateway.Options(await RadosGateway.CreateBucketAsync(Cancel));
        options.UseConditionalCreate = true;
        using var store = new S3StateStore(options);
        var key = new StateKey(new StateType("pytorch", "resnet18"), "race");
        var contents = Enumerable.Range(0, 8).Select(i => Enumerable.Repeat((byte)i, 100_000).ToArray()).ToArray();

        var outcomes = await Task.WhenAll(contents.Select(bytes => Task.Run(async () =>
        {
            try
            {
                await store.WriteAsync(key, new MemoryStream(bytes), cancellationToken: Cancel);
                return (Won: true, Bytes: bytes);
            }
            catch (StateStoreException e) when (e.Error == StateStoreError.AlreadyExists)
            {
                return (Won: false, Bytes: bytes);
            }
        })));

        var winners = outcomes.Where(outcome => outcome.Won).ToArray();
        Assert.HasCount(1, winners);
        await using var read = await store.OpenReadAsync(key, Cancel);
        using var buffer = new MemoryStream();
        await read.CopyToAsync(buffer, Cancel);
        CollectionAssert.AreEqual(winners[0].Bytes, buffer.ToArray());
    }
}
