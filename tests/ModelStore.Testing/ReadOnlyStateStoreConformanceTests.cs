using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Testing;

/// <summary>
/// The read behaviours of <see cref="StateStoreReadConformanceTests"/> for a store that cannot be written (its states
/// are seeded out-of-band), plus its one write behaviour: every write is refused with
/// <see cref="StateStoreError.ReadOnly"/> and changes nothing.
/// </summary>
public abstract class ReadOnlyStateStoreConformanceTests : StateStoreReadConformanceTests
{
    [TestMethod]
    public async Task Writes_and_saves_are_refused_as_read_only_and_change_nothing()
    {
        var store = await CreateStoreAsync();
        await SeedBytesAsync(store, ImagenetKey, [1, 2, 3]);
        var fresh = new StateKey(Resnet, "fresh");

        var write = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.WriteAsync(fresh, new MemoryStream([9]), cancellationToken: Cancel));
        var overwrite = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.WriteAsync(ImagenetKey, new MemoryStream([9]), overwrite: true, cancellationToken: Cancel));
        var save = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.SaveAsync(new BytesModel(Resnet, [9]), "fresh", cancellationToken: Cancel));

        Assert.AreEqual(StateStoreError.ReadOnly, write.Error);
        Assert.AreEqual(StateStoreError.ReadOnly, overwrite.Error);
        Assert.AreEqual(StateStoreError.ReadOnly, save.Error);
        Assert.AreEqual(fresh, save.Key);
        Assert.IsFalse(await store.ExistsAsync(fresh, Cancel));
        CollectionAssert.AreEqual(new byte[] { 1, 2, 3 }, await ReadAllAsync(store, ImagenetKey));
    }
}
