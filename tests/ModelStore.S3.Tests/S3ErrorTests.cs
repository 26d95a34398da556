using System.Diagnostics;
using ModelStore.States;
using ModelStore.Stores;
using ModelStore.Testing;

namespace ModelStore.S3.Tests;

/// <summary>Every failure is a typed store error naming the bucket and the object, and never shows a secret.</summary>
[TestClass]
public sealed class S3ErrorTests
{
    private static readonly StateKey Key = new(new StateType("pytorch", "resnet18", "cls1000"), "imagenet");

    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Cancel => TestContext.CancellationToken;

    [TestMethod]
    public async Task A_wrong_secret_is_access_denied_and_no_secret_appears_in_the_error()
    {
        var bucket = await RadosGateway.CreateBucketAsync(Cancel);
        var wrongSecret = "wrong-" + Guid.NewGuid().ToString("N");
        var options = RadosGateway.Options(bucket);
        options.SecretKey = wrongSecret;
        options.SessionToken = null;
        using var store = new S3StateStore(options);

        var errors = new List<StateStoreException>
        {
            await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.ExistsAsync(Key, Cancel)),
            await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.OpenReadAsync(Key, Cancel)),
            await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.GetStateKeysAsync(Key.StateType, Cancel)),
            await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.WriteAsync(Key, new MemoryStream([1]), overwrite: true, cancellationToken: Cancel)),
            await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.DownloadToFileAsync(Key, Path.GetTempFileName(), cancellationToken: Cancel)),
        };

        foreach (var error in errors)
        {
            Assert.AreEqual(StateStoreError.AccessDenied, error.Error, error.Message);
            StringAssert.Contains(error.Message, bucket);
            AssertNoSecret(error, wrongSecret);
        }

        StringAssert.Contains(errors[0].Message, store.GetObjectName(Key));
    }

    [TestMethod]
    public async Task An_unknown_access_key_is_access_denied()
    {
        var options = RadosGateway.Options(await RadosGateway.CreateBucketAsync(Cancel));
        options.AccessKey = "NOSUCHKEY" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        using var store = new S3StateStore(options);

        var error = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.ExistsAsync(Key, Cancel));

        Assert.AreEqual(StateStoreError.AccessDenied, error.Error);
        AssertNoSecret(error, RadosGateway.SecretKey);
    }

    [TestMethod]
    public async Task A_missing_bucket_is_container_not_found_naming_the_bucket()
    {
        var bucket = "no-such-bucket-" + Guid.NewGuid().ToString("N")[..12];
        using var store = new S3StateStore(RadosGateway.Options(bucket));

        var errors = new[]
        {
            await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.ExistsAsync(Key, Cancel)),
            await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.OpenReadAsync(Key, Cancel)),
            await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.GetStateKeysAsync(Key.StateType, Cancel)),
            await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.WriteAsync(Key, new MemoryStream([1]), cancellationToken: Cancel)),
        };

        foreach (var error in errors)
        {
            Assert.AreEqual(StateStoreError.ContainerNotFound, error.Error, error.Message);
            StringAssert.Contains(error.Message, bucket);
            AssertNoSecret(error, RadosGateway.SecretKey);
        }
    }

    [TestMethod]
    public async Task A_missing_key_is_not_found_for_downloads_too()
    {
        using var store = new S3StateStore(RadosGateway.Options(await RadosGateway.CreateBucketAsync(Cancel)));

        var error = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.DownloadToFileAsync(Key, Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N")), cancellationToken: Cancel));

        Assert.AreEqual(StateStoreError.NotFound, error.Error);
        Assert.AreEqual(Key, error.Key);
        StringAssert.Contains(error.Message, store.GetObjectName(Key));
    }

    [TestMethod]
    public async Task A_closed_port_is_unreachable_quickly()
    {
        var options = RadosGateway.Options("models");
        options.ServiceUrl = $"http://127.0.0.1:{RadosGateway.FreePort()}";
        options.MaxRetries = 0;
        using var store = new S3StateStore(options);
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.OpenReadAsync(Key, Cancel));
        var listError = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.GetStateKeysAsync(Key.StateType, Cancel));

        Assert.AreEqual(StateStoreError.Unreachable, error.Error, error.Message);
        Assert.AreEqual(StateStoreError.Unreachable, listError.Error, listError.Message);
        StringAssert.Contains(error.Message, "s3://models/");
        StringAssert.Contains(error.Message, Key.ToString());
        AssertNoSecret(error, RadosGateway.SecretKey);
        Assert.IsLessThan(10, clock.Elapsed.TotalSeconds, $"Took {clock.Elapsed}.");
    }

    [TestMethod]
    public async Task A_server_that_never_answers_is_a_timeout()
    {
        using var silent = new SilentServer();
        var options = RadosGateway.Options("models");
        options.ServiceUrl = $"http://127.0.0.1:{silent.Port}";
        options.RequestTimeout = TimeSpan.FromSeconds(1);
        options.MaxRetries = 0;
        using var store = new S3StateStore(options);

        var error = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.ExistsAsync(Key, Cancel));

        Assert.AreEqual(StateStoreError.Timeout, error.Error, error.Message);
        StringAssert.Contains(error.Message, "s3://models/");
        AssertNoSecret(error, RadosGateway.SecretKey);
    }

    private static void AssertNoSecret(StateStoreException error, string secret)
    {
        Assert.IsFalse(error.Message.Contains(secret, StringComparison.Ordinal), "The message holds a secret.");
        Assert.IsFalse(error.ToString().Contains(secret, StringComparison.Ordinal), "ToString() holds a secret.");
        Assert.IsFalse(error.ToString().Contains(RadosGateway.SecretKey, StringComparison.Ordinal), "ToString() holds the real secret.");
    }
}
