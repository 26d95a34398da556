using ModelStore.Stores;
using ModelStore.Testing;

namespace ModelStore.S3.Tests;

/// <summary>The store contract, against a real radosgw.</summary>
[TestClass]
public sealed class S3StateStoreConformanceTests : StateStoreConformanceTests
{
    private readonly List<S3StateStore> _stores = [];

    // 64 MiB keeps the suite quick on a shared machine while still spanning many 5 MiB parts.
    protected override long LargeStateSize => 64L * 1024 * 1024;

    protected override bool HasAtomicCreate => false;

    [TestCleanup]
    public void DisposeStores() => _stores.ForEach(store => store.Dispose());

    protected override async Task<IStateStore> CreateStoreAsync()
    {
        var store = new S3StateStore(RadosGateway.Options(await RadosGateway.CreateBucketAsync(Cancel)));
        _stores.Add(store);
        return store;
    }
}
