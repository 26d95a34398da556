using ModelStore.Stores;
using ModelStore.Testing;

namespace ModelStore.Azure.Tests;

/// <summary>The store contract, against a real Azurite.</summary>
[TestClass]
public sealed class AzureBlobStateStoreConformanceTests : StateStoreConformanceTests
{
    // Put Blob and Put Block List carry If-None-Match: * when creating: of concurrent creators exactly one wins.
    protected override bool HasAtomicCreate => true;

    protected override async Task<IStateStore> CreateStoreAsync() => new AzureBlobStateStore(Azurite.Options(await Azurite.CreateContainerAsync(Cancel)));
}
