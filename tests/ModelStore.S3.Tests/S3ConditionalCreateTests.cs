using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using ModelStore.Testing;

namespace ModelStore.S3.Tests;

/// <summary>
/// The store's <c>UseConditionalCreate</c> option (<c>If-None-Match: *</c>). Ceph radosgw (Pacific) honours it on a
/// single PUT, not on a multipart completion, so atomic creation holds for states up to one part there; the
/// conformance suite runs with the option on and checks that concurrent creators have one winner.
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
}
