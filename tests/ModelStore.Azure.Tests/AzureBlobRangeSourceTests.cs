using Azure.Storage.Blobs.Specialized;
using ModelStore.Downloads;
using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Azure.Tests;

/// <summary>Ranged reads carry the ETag the download started with, so a blob replaced meanwhile is never mixed in.</summary>
[TestClass]
public sealed class AzureBlobRangeSourceTests
{
    private static readonly StateKey Key = new(new StateType("pytorch", "resnet18", "cls1000"), "imagenet");

    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Cancel => TestContext.CancellationToken;

    [TestMethod]
    public async Task A_range_of_a_replaced_blob_is_an_integrity_mismatch_and_a_current_one_reads()
    {
        var options = Azurite.Options(await Azurite.CreateContainerAsync(Cancel));
        var store = new AzureBlobStateStore(options);
        await store.WriteAsync(Key, new MemoryStream([1, 2, 3, 4, 5]), cancellationToken: Cancel);
        var blob = Azurite.AdminClient().GetBlobContainerClient(options.Container).GetBlockBlobClient(store.GetBlobName(Key));
        var errors = new AzureBlobErrorTranslator(options.Container, Azurite.Endpoint, "hint", ModelStore.Testing.AzuriteServer.ServiceVersion, serviceVersionPinned: true);
        var source = new AzureBlobRangeSource(blob, Key, errors, TimeSpan.FromSeconds(30), async token =>
        {
            var properties = (await blob.GetPropertiesAsync(cancellationToken: token)).Value;
            return new RemoteObject(properties.ContentLength, properties.ETag.ToString());
        });
        var before = await source.GetObjectAsync(Cancel);

        await using (var range = await source.OpenRangeAsync(before, 1, 3, Cancel))
        {
            using var copy = new MemoryStream();
            await range.CopyToAsync(copy, Cancel);
            CollectionAssert.AreEqual(new byte[] { 2, 3, 4 }, copy.ToArray());
        }

        await store.WriteAsync(Key, new MemoryStream([9, 9, 9, 9, 9]), overwrite: true, cancellationToken: Cancel);
        var error = await Assert.ThrowsExactlyAsync<StateStoreException>(() => source.OpenRangeAsync(before, 1, 3, Cancel));

        Assert.AreEqual(StateStoreError.IntegrityMismatch, error.Error, error.Message);
        Assert.AreEqual(Key, error.Key);
        StringAssert.Contains(error.Message, "changed during the download");
        Assert.AreEqual(5, (await source.GetObjectAsync(Cancel)).Size);
    }
}
