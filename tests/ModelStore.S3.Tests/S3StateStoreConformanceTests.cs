using ModelStore.Stores;
using ModelStore.Testing;

namespace ModelStore.S3.Tests;

/// <summary>The store contract, against a real radosgw.</summary>
[TestClass]
public sealed class S3StateStoreConformanceTests : StateStoreConformanceTests
{
    private readonly List<S3StateStore> _stores = [];

    // radosgw honours If-None-Match: * on a single PUT (S3ConditionalCreateTests), and the race writes states below one
    // part, so with UseConditionalCreate concurrent creators have exactly one winner. (radosgw Pacific ignores the
    // header on multipart completion: larger states are not created atomically there; docs/s3.md says so.)
    protected override bool HasAtomicCreate => true;

    [TestCleanup]
    public void DisposeStores() => _stores.ForEach(store => store.Dispose());

    protected override async Task<IStateStore> CreateStoreAsync()
    {
        var options = RadosGateway.Options(await RadosGateway.CreateBucketAsync(Cancel));
        options.UseConditionalCreate = true;
        var store = new S3StateStore(options);
        _stores.Add(store);
        return store;
    }
}
